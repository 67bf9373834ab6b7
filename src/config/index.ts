/** The config module's public surface: the Config types, loadConfig and the --help text. */
export * from './schema';
export { loadConfig, ConfigError, type ConfigSource, type LoadResult } from './load';
export { helpText } from './flags';
