// Tenant usage settings read from the environment: sampling, retention and showback unit prices.
import type { PriceTable, UnitPrices } from './domain/usage.js';
import type { UsageOptions } from './orchestrator/usage/tracker.js';

export interface UsageConfig {
  tracker: UsageOptions;
  prices: PriceTable;
}

const PRICE_KEYS = ['cpu', 'memoryGiB', 'storageGiB'] as const;
const PRICES_FORM =
  'a JSON object {"default":{"cpu":0.04,"memoryGiB":0.005,"storageGiB":0.0002},"clusters":{"<cluster>":{"cpu":0.05}}} with non-negative numbers (prices per hour)';

/** KUBENOVA_USAGE_PRICES as a price table; throws (with the accepted form, never the value) when
 *  it is not one. */
export function parsePrices(text: string | undefined): PriceTable {
  const zero: UnitPrices = { cpu: 0, memoryGiB: 0, storageGiB: 0 };
  if (text === undefined) return { default: zero };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`KUBENOVA_USAGE_PRICES must be ${PRICES_FORM}`);
  }
  const prices = (o: unknown, where: string): Partial<UnitPrices> => {
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new Error(`KUBENOVA_USAGE_PRICES ${where} must be an object; the setting is ${PRICES_FORM}`);
    const out: Partial<UnitPrices> = {};
    for (const [k, v] of Object.entries(o)) {
      if (!(PRICE_KEYS as readonly string[]).includes(k))
        throw new Error(`KUBENOVA_USAGE_PRICES ${where} has an unknown key (known: ${PRICE_KEYS.join(', ')})`);
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new Error(`KUBENOVA_USAGE_PRICES ${where}.${k} must be a non-negative number`);
      out[k as keyof UnitPrices] = v;
    }
    return out;
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`KUBENOVA_USAGE_PRICES must be ${PRICES_FORM}`);
  const { default: def, clusters, ...rest } = doc as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new Error(`KUBENOVA_USAGE_PRICES has an unknown key (known: default, clusters)`);
  const table: PriceTable = { default: { ...zero, ...(def === undefined ? {} : prices(def, 'default')) } };
  if (clusters !== undefined) {
    if (typeof clusters !== 'object' || clusters === null || Array.isArray(clusters))
      throw new Error('KUBENOVA_USAGE_PRICES clusters must be an object of cluster names');
    table.clusters = Object.fromEntries(Object.entries(clusters).map(([name, p]) => [name, prices(p, 'clusters entry')]));
  }
  return table;
}
