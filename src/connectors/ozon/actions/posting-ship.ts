// `posting.ship` (Собрать отправление): FBS posting packed and moved to "awaiting_deliver" with
// POST /v4/posting/fbs/ship. Without `packages` every product of the posting goes into one package
// (read first with /v3/posting/fbs/get). Safe to retry: when Ozon refuses because the posting is
// no longer awaiting packaging, the posting is read again, and if it is already packed that is
// this step's result (an earlier attempt got through but its answer was lost).
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import { isPlainObject } from '../../../connector-kit/values.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { OzonClient, type Obj } from '../client.ts';
import { postingShipInput, postingShipOutput } from '../fields.ts';

/** Statuses a posting reaches only after it was packed. */
const PACKED = new Set(['awaiting_deliver', 'delivering', 'driver_pickup', 'delivered', 'sent_by_seller']);

function packagesOf(value: unknown): Obj[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = Array.isArray(value) ? value : isPlainObject(value) ? [value] : undefined;
  if (!list || list.length === 0 || !list.every((p) => isPlainObject(p) && Array.isArray(p.products))) {
    throw new PermanentError('«Упаковки» (packages): нужен JSON-список [{"products":[{"product_id":SKU,"quantity":1}]}] / packages must be a JSON list');
  }
  return list as Obj[];
}

export const postingShip: ActionDefinition = {
  id: 'posting.ship',
  label: { ru: 'Собрать отправление FBS', en: 'Pack FBS posting' },
  description: 'Собирает отправление FBS (POST /v4/posting/fbs/ship): статус «ожидает отгрузки». Без упаковок — все товары в одной упаковке.',
  kind: 'update',
  input: postingShipInput,
  output: postingShipOutput,
  async run(ctx, raw) {
    const input = raw as Values<typeof postingShipInput>;
    const postingNumber = input.posting_number.trim();
    const client = new OzonClient(ctx);
    let packages = packagesOf(input.packages);
    if (!packages) {
      const posting = await client.fbsGet(postingNumber);
      if (PACKED.has(String(posting.status))) return { posting_number: postingNumber, result: [postingNumber], status: posting.status };
      const products = (Array.isArray(posting.products) ? (posting.products as Obj[]) : []).map((p) => ({ product_id: Number(p.sku), quantity: Number(p.quantity ?? 1) }));
      packages = [{ products }];
    }
    try {
      const result = await client.ship(postingNumber, packages);
      return { posting_number: postingNumber, result, status: 'awaiting_deliver' };
    } catch (error) {
      if (!(error instanceof PermanentError) || error.status !== 400) throw error;
      const now = await client.fbsGet(postingNumber);
      if (PACKED.has(String(now.status))) {
        ctx.logger.info({ posting: postingNumber, status: now.status }, 'ozon: posting already packed (an earlier attempt got through)');
        return { posting_number: postingNumber, result: [postingNumber], status: now.status };
      }
      throw error;
    }
  },
};
