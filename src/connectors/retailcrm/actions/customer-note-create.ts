// `customerNote.create`: a note on the customer's card (POST customers/notes/create → 201 {id}).
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { customerNoteCreateInput, customerNoteCreateOutput, structuredInput } from '../fields.ts';
import { assemble, isUnset, requireValue } from '../mapping.ts';

export const customerNoteCreate: ActionDefinition = {
  id: 'customerNote.create',
  label: { ru: 'Создать заметку клиента', en: 'Create customer note' },
  description: 'Добавляет заметку в карточку клиента (по внутреннему или внешнему ID клиента).',
  kind: 'create',
  input: customerNoteCreateInput,
  extraInput: structuredInput,
  output: customerNoteCreateOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const note = assemble(input);
    requireValue(note.text, 'text');
    const customer = (note.customer ?? {}) as Record<string, unknown>;
    if (isUnset(customer.id) && isUnset(customer.externalId)) {
      throw new PermanentError('Укажите клиента: поле "customer.id" или "customer.externalId"');
    }
    const site = client.siteOr(note.site);
    delete note.site;
    const env = await client.createCustomerNote(note, site);
    return { success: true, id: env.id };
  },
};
