/** Payload logging: CloudEvents to a sink, off the request path, bounded and fully accounted. */
export { PayloadLogger } from './payload-logger';
export type { FlushResult, PayloadLoggerOptions, PayloadLoggerStats, RetryOptions } from './options';
export { CLOUD_EVENT_TYPES, cloudEventHeaders, contentTypeOf, decodeForLog, encodeAttribute } from './cloud-event';
export type { PayloadLogEvent, PayloadLogType, SinkIdentity } from './cloud-event';
export { DROP_REASONS } from './metrics';
export type { DropReason } from './metrics';
