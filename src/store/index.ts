// The store's public surface.
export * from './types.js';
export { createStore, openStoreOn, type OpenedStore, type StoreConfig } from './factory.js';
export { parseLabelSelector, matchesLabelSelector, LabelSelectorError } from './label-selector.js';
export { matchesListFilters, type ListFilters } from './list-filters.js';
export { MAX_PAGE_SIZE } from './objects.js';
export { DataDirInUseError } from './data-dir-lock.js';
export { DataDirAccessError } from './data-dir-access.js';
export { StoreUnavailableError, isConnectionError } from './unavailable.js';
export type { ChangeFeed } from './changes.js';
export * from './records.js';
export { allPages, eachObject, listAll } from './paging.js';
