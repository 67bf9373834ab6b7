/**
 * Benchmark building blocks shipped with the engine: `infergraph bench` (benchCommand /
 * runGraphBench) and the repository's bench/run.ts use the same drivers, sampling and tables.
 */
export { BENCH_USAGE, benchCommand, parseBenchArgs } from './bench-command';
export { killAllChildren, startNodeProcess, type BenchChild } from './child-process';
export { ENGINE_MAIN, startEngineProcess, type EngineProcess } from './engine-process';
export { engineTimeBetween, formatEngineTime, parseEngineTime, scrapeEngineTime, type EngineTime, type EngineTimeSample } from './engine-time';
export { runGraphBench, type BenchResult, type GraphBenchOptions } from './graph-bench';
export { runGrpcLoad, type GrpcLoadOptions } from './grpc-load';
export { LatencyRecorder, type LatencySummary, type LoadProgress, type LoadResult } from './load-result';
export { machineInfo, type MachineInfo } from './machine';
export { measure, median, type LoadPath, type MeasureOptions, type PathMeasurement, type RunRecord } from './measure';
export { ENGINE_GRPC_METHOD, ENGINE_REST_PATH, grpcPath, restPath } from './paths';
export { loadPayload, P1_JSON, PROTO_DIR, seldonMessageProto, seldonMessageProtos, standardPayload, tensorMessage, type BenchPayload } from './payloads';
export { CLK_TCK, ProcessWatch, readCpuUs, readMemoryKb } from './proc-stats';
export { ProgressLine, type ProgressStream } from './progress';
export { formatResultsTable, formatVsBareTable, pathMedian, ratio, stalledPaths, totalErrors, type CaseResult } from './report';
export { runRestLoad, type RestLoadOptions } from './rest-load';
export { formatTable, type Cell, type Column } from './table';
