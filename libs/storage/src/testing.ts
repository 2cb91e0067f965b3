// Contract suites for every storage interface: a spec of each implementation (embedded or distributed) calls the
// matching function. Import from tests only: the suites use jest's globals.
export { describeBlobStoreContract } from './blob/blob-store.contract';
export type { BlobStoreContractOptions, BlobStoreHarness } from './blob/blob-store.contract';
export { describeWarehouseContract } from './warehouse/warehouse.contract';
export type { WarehouseContractOptions, WarehouseHarness } from './warehouse/warehouse.contract';
export { describeBusContract } from './bus/bus.contract';
export type { BusContractOptions, BusHarness } from './bus/bus.contract';
export { deferred, sleep, waitFor } from './contract-helpers';
