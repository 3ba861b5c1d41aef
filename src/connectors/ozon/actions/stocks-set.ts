// `stocks.set`: FBS stock of products on the seller's warehouses (POST /v2/products/stocks, at most
// 100 lines a request). Ozon answers every line on its own (`updated`, `errors`): the step succeeds
// only when every line is updated, or unchanged (SKU_STOCK_NOT_CHANGE — the same stock sent again,
// which is also what a retried step sees for lines an earlier attempt already set). A line refused
// for updating too often (TOO_MANY_REQUESTS: once in 30 s per product and warehouse) retries the
// step later; any other refused line fails the step with Ozon's code and message.
import { PermanentError, TransientError } from '../../../connector-kit/errors.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import { isPlainObject } from '../../../connector-kit/values.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { MAX_STOCK_LINES, OzonClient, type Obj } from '../client.ts';
import { stocksSetInput, stocksSetOutput } from '../fields.ts';

const PER_PRODUCT_WAIT_MS = 30_000;
const unset = (v: unknown) => v === undefined || v === null || v === '';

/** One line as Ozon takes it, checked: an article or a product id, a whole non-negative stock, a warehouse. */
function lineOf(raw: Obj, where: string): Obj {
  const line: Obj = {};
  if (!unset(raw.offer_id)) line.offer_id = String(raw.offer_id).trim();
  if (!unset(raw.product_id)) {
    const id = Number(raw.product_id);
    if (!Number.isInteger(id) || id <= 0) throw new PermanentError(`${where}: product_id должен быть целым числом / product_id must be an integer`);
    line.product_id = id;
  }
  if (line.offer_id === undefined && line.product_id === undefined) throw new PermanentError(`${where}: укажите артикул (offer_id) или product_id / give offer_id or product_id`);
  const stock = Number(typeof raw.stock === 'string' ? raw.stock.replace(',', '.') : raw.stock);
  if (unset(raw.stock) || !Number.isInteger(stock) || stock < 0) throw new PermanentError(`${where}: остаток (stock) — целое число от 0, получено «${String(raw.stock ?? '')}» / stock must be a whole number ≥ 0`);
  line.stock = stock;
  const warehouse = Number(raw.warehouse_id);
  if (unset(raw.warehouse_id) || !Number.isInteger(warehouse) || warehouse <= 0) throw new PermanentError(`${where}: укажите склад Ozon (warehouse_id) / warehouse_id is required`);
  line.warehouse_id = warehouse;
  return line;
}

function linesOf(input: Values<typeof stocksSetInput>): Obj[] {
  const many = input.stocks;
  if (!unset(many)) {
    const list = Array.isArray(many) ? many : isPlainObject(many) ? [many] : undefined;
    if (!list || list.length === 0) throw new PermanentError('«Несколько товаров» (stocks): нужен JSON-список строк [{"offer_id":…,"stock":…,"warehouse_id":…}] / stocks must be a JSON list');
    // Fields given beside the list fill what a line leaves out (one warehouse for all, say).
    return list.map((l, i) => lineOf({ warehouse_id: input.warehouse_id, ...(isPlainObject(l) ? l : {}) }, `stocks[${i}]`));
  }
  return [lineOf(input as Obj, 'Остаток / Stock')];
}

const describe = (r: Obj) => `${r.offer_id || `product_id ${String(r.product_id)}`} (склад ${String(r.warehouse_id)})`;

export const stocksSet: ActionDefinition = {
  id: 'stocks.set',
  label: { ru: 'Обновить остатки FBS', en: 'Set FBS stocks' },
  description: 'Передаёт остатки товаров на склады продавца (POST /v2/products/stocks). Шаг успешен, только если Ozon принял каждую строку; ошибки строк — с кодом и текстом Ozon.',
  kind: 'update',
  input: stocksSetInput,
  output: stocksSetOutput,
  async run(ctx, raw) {
    const lines = linesOf(raw as Values<typeof stocksSetInput>);
    const client = new OzonClient(ctx);
    const result: Obj[] = [];
    for (let i = 0; i < lines.length; i += MAX_STOCK_LINES) result.push(...(await client.setStocks(lines.slice(i, i + MAX_STOCK_LINES))));
    let updated = 0;
    let unchanged = 0;
    const failed: string[] = [];
    let busy = false;
    for (const r of result) {
      const errors = Array.isArray(r.errors) ? (r.errors as Obj[]) : [];
      if (r.updated === true && errors.length === 0) {
        updated++;
        continue;
      }
      const codes = errors.map((e) => String(e.code ?? ''));
      if (errors.length > 0 && codes.every((c) => /STOCK.?NOT.?CHANGE/i.test(c))) {
        unchanged++;
        continue;
      }
      if (codes.some((c) => /TOO.?MANY.?REQUESTS/i.test(c))) busy = true;
      failed.push(`${describe(r)}: ${errors.length ? errors.map((e) => `${String(e.code ?? '')}${e.message ? ` — ${String(e.message)}` : ''}`).join('; ') : 'не обновлено (updated: false)'}`);
    }
    if (result.length < lines.length) failed.push(`Ozon ответил на ${result.length} строк из ${lines.length}`);
    if (failed.length > 0) {
      const message = `Ozon не принял ${failed.length} из ${lines.length} строк остатков / Ozon refused ${failed.length} of ${lines.length} stock lines: ${failed.join(' | ')}`;
      if (busy) throw new TransientError(message, { retryAfterMs: PER_PRODUCT_WAIT_MS });
      throw new PermanentError(message);
    }
    return { updated, unchanged, result };
  },
};
