// `posting.get`: one FBS posting by its number (POST /v3/posting/fbs/get), with the numeric
// prices beside Ozon's strings. A number Ozon does not know is "not found" (the step's onNotFound).
import type { Values } from '../../../connector-kit/fields.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { OzonClient, postingPayload } from '../client.ts';
import { postingGetInput, postingGetOutput } from '../fields.ts';

export const postingGet: ActionDefinition = {
  id: 'posting.get',
  label: { ru: 'Получить отправление FBS', en: 'Get FBS posting' },
  description: 'Возвращает отправление FBS по номеру (POST /v3/posting/fbs/get): статус, товары, даты, способ доставки.',
  kind: 'find',
  input: postingGetInput,
  output: postingGetOutput,
  async run(ctx, raw) {
    const input = raw as Values<typeof postingGetInput>;
    const client = new OzonClient(ctx);
    const posting = await client.fbsGet(input.posting_number.trim(), { analytics: input.with_analytics, financial: input.with_financial });
    const { scheme: _scheme, ...payload } = postingPayload(posting, 'fbs');
    return payload;
  },
};
