// `stocks.set` (Обновить остатки): PUT /api/v3/stocks/{warehouseId} {stocks:[{sku|chrtId, amount}]}.
// Absolute amounts, so a retried step sets the same numbers again — idempotent without a key.
// WB is moving stock lines from barcodes (`sku`, deprecated) to size ids (`chrtId`): a line may
// carry either (or both); it is sent as given. A refusal (409 with the barcodes WB could not take,
// 400, 404 for an unknown warehouse) fails the step with WB's own message.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { isPlainObject } from '../../../connector-kit/values.ts';
import { WildberriesClient, type StockLine } from '../client.ts';
import { stocksSetInput, stocksSetOutput } from '../fields.ts';

const unset = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function amountOf(raw: unknown, where: string): number {
  const n = typeof raw === 'string' ? Number(raw.trim().replace(',', '.')) : Number(raw);
  if (unset(raw) || !Number.isInteger(n) || n < 0) {
    throw new PermanentError(`${where}: остаток (amount) — целое число от 0, получено «${String(raw)}» / amount must be a whole number ≥ 0`);
  }
  return n;
}

function lineOf(raw: Record<string, unknown>, where: string): StockLine {
  const line: StockLine = { amount: amountOf(raw.amount, where) };
  if (!unset(raw.sku)) line.sku = String(raw.sku).trim();
  if (!unset(raw.chrtId)) {
    const chrtId = Number(raw.chrtId);
    if (!Number.isInteger(chrtId) || chrtId <= 0) throw new PermanentError(`${where}: chrtId — целое число, получено «${String(raw.chrtId)}»`);
    line.chrtId = chrtId;
  }
  if (line.sku === undefined && line.chrtId === undefined) throw new PermanentError(`${where}: нужен баркод (sku) или ID размера (chrtId) / a barcode (sku) or chrtId is required`);
  return line;
}

export function stockLines(input: Record<string, unknown>): StockLine[] {
  if (Array.isArray(input.stocks) && input.stocks.length > 0) {
    return input.stocks.map((row, i) => {
      if (!isPlainObject(row)) throw new PermanentError(`stocks[${i}]: ожидается объект {sku, amount}`);
      return lineOf(row, `stocks[${i}]`);
    });
  }
  if (!unset(input.sku) || !unset(input.chrtId)) return [lineOf(input, 'Остаток')];
  throw new PermanentError('Нет остатков: задайте список stocks или sku/chrtId и amount / No stock lines given');
}

export const stocksSet: ActionDefinition = {
  id: 'stocks.set',
  label: { ru: 'Обновить остатки на складе продавца', en: 'Update stocks in a seller warehouse' },
  description: 'Устанавливает остатки товаров (по баркоду sku или chrtId) на складе продавца Wildberries: PUT /api/v3/stocks/{warehouseId}.',
  kind: 'update',
  input: stocksSetInput,
  output: stocksSetOutput,
  async run(ctx, input) {
    const warehouseId = Number(input.warehouseId);
    if (!Number.isInteger(warehouseId) || warehouseId <= 0) throw new PermanentError(`ID склада (warehouseId) — целое число, получено «${String(input.warehouseId)}»`);
    const lines = stockLines(input);
    const requests = await new WildberriesClient(ctx).setStocks(warehouseId, lines);
    return { success: true, warehouseId, updated: lines.length, requests };
  },
};
