/** The Seldon messages the codec converts (all in package seldon.protos). */
export type SeldonMessageType = 'SeldonMessage' | 'Feedback' | 'SeldonMessageList' | 'SeldonModelMetadataRequest' | 'SeldonModelMetadata' | 'SeldonGraphMetadata';

/** The message types as a list (handy for tests and for building gRPC handlers). */
export const SELDON_MESSAGE_TYPES: readonly SeldonMessageType[] = ['SeldonMessage', 'Feedback', 'SeldonMessageList', 'SeldonModelMetadataRequest', 'SeldonModelMetadata', 'SeldonGraphMetadata'];
