/** Metric primitives with per-series handles, registered on prom-client registries as custom metrics. */
export { FastHistogram, HistogramSeries, type FastHistogramConfig } from './histogram';
export { WindowSummary, SummarySeries, mergedQuantiles, type SummaryWindowState, type WindowSummaryConfig } from './window-summary';
export type { AnyRegistry, LabelSet, MetricSnapshot, Sample } from './labels';
