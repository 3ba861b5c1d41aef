// `orders.export` (Выгрузка журнала сделок): every seed parameter, validated before any call; the
// client pages through every page and splits long periods. In a flow the records become the
// step's output, capped at `maxRecords` (the CLI streams instead, with no cap).
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { CalltouchClient, validateExportParams } from '../client.ts';
import { exportInput, exportOutput } from '../fields.ts';

export const ordersExport: ActionDefinition = {
  id: 'orders.export',
  label: { ru: 'Выгрузка журнала сделок', en: 'Export the deal journal' },
  description: 'Сделки за период (dd/mm/yyyy), по телефону клиента или по ID сделки; все страницы выгружаются автоматически.',
  kind: 'read',
  input: exportInput,
  output: exportOutput,
  async run(ctx, input) {
    const { maxRecords: rawMax, ...params } = input ?? {};
    const max = rawMax === undefined || rawMax === null || rawMax === '' ? 10_000 : Number(rawMax);
    if (!Number.isInteger(max) || max < 1) throw new PermanentError(`Поле maxRecords: ожидается целое число больше 0, получено «${String(rawMax)}»`);
    validateExportParams(params);
    const client = new CalltouchClient(ctx);
    const records: Record<string, unknown>[] = [];
    let recordsTotal = 0;
    let truncated = false;
    for await (const r of client.exportOrders(params, { onPage: (p) => (recordsTotal = p.recordsTotal) })) {
      if (records.length >= max) {
        truncated = true;
        break;
      }
      records.push(r);
    }
    return { records, recordsTotal: Math.max(recordsTotal, records.length), truncated };
  },
};
