// `store.get`: a warehouse by its code (GET reference/stores answers them all, as an array).
import { NotFoundError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { storeGetInput, storeGetOutput } from '../fields.ts';
import { requireValue } from '../mapping.ts';

export const storeGet: ActionDefinition = {
  id: 'store.get',
  label: { ru: 'Получить склад', en: 'Get warehouse' },
  description: 'Возвращает склад по символьному коду из справочника складов.',
  kind: 'find',
  input: storeGetInput,
  output: storeGetOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const code = requireValue(input.code, 'code');
    const env = await client.stores();
    const raw = env.stores;
    const list = (Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : []) as Array<Record<string, unknown>>;
    const store = list.find((s) => s.code === code);
    if (!store) throw new NotFoundError(`RetailCRM: склад с кодом «${code}» не найден`);
    return { ...store };
  },
};
