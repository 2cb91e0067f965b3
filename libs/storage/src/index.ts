// Storage interfaces, their embedded implementations, the warehouse schema and the backend wiring.
// Contract test suites live in ./testing (they use jest globals, so production code never imports them).
export type { BlobInfo, BlobStore } from './blob/blob-store';
export { validateBlobKey, validateBlobPrefix } from './blob/blob-key';
export { FsBlobStore } from './blob/fs-blob-store';
export { S3BlobStore } from './blob/s3-blob-store';
export type { S3BlobStoreOptions } from './blob/s3-blob-store';

export type { Row, SqlParams, SqlValue, Warehouse } from './warehouse/warehouse';
export { bindParams, quoteIdentifier, quoteString } from './warehouse/bind-params';
export { WAREHOUSE_TABLES, fromDateTimeText, schemaStatements, toDateTimeText } from './warehouse/schema';
export type { TableSchema, WarehouseTableName } from './warehouse/schema';
export { ChdbWarehouse } from './warehouse/chdb-warehouse';
export { ClickHouseWarehouse } from './warehouse/clickhouse-warehouse';
export type { ClickHouseWarehouseOptions } from './warehouse/clickhouse-warehouse';

export type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus/bus';
export { MemoryBus } from './bus/memory-bus';
export { KafkaBus } from './bus/kafka-bus';
export type { KafkaBusOptions } from './bus/kafka-bus';
export type { MemoryBusOptions } from './bus/memory-bus';
export { partitionForKey } from './bus/partition-for-key';

export { StorageConfig, createStorage, storageBackends, storageConfigFromEnv } from './storage-from-env';
export type { Storage } from './storage-from-env';

// The bridge that lets another thread use this thread's warehouse and bus (the product's render thread).
export { serveStorage } from './bridge/serve-storage';
export type { StorageServer } from './bridge/serve-storage';
export { connectStorage } from './bridge/remote-storage';
export type { RemoteStorage } from './bridge/remote-storage';
export type { BridgePort } from './bridge/bridge-protocol';
