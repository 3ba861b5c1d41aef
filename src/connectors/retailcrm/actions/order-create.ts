// `order.create`: the page's dotted inputs assembled into one order, POST orders/create. Without a
// user-given externalId the step's idempotency key becomes the externalId, so a retried step
// (after a timeout, a crash, a 503) finds the order it already created instead of making another.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionContext, ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { orderCreateInput, orderCreateOutput, structuredInput } from '../fields.ts';
import { assemble, isUnset, take } from '../mapping.ts';

type Obj = Record<string, unknown>;

/** Creates the order once per idempotency key; returns the order as RetailCRM stores it. */
export async function createOrderOnce(ctx: ActionContext, client: RetailcrmClient, order: Obj, site: string | undefined): Promise<Obj> {
  const generated = isUnset(order.externalId);
  if (generated) order.externalId = ctx.idempotencyKey;
  try {
    const env = await client.createOrder(order, site);
    return (env.order as Obj | undefined) ?? { id: env.id, externalId: order.externalId };
  } catch (error) {
    // A previous attempt got through (its answer was lost): RetailCRM refuses the duplicate
    // externalId with a 400, and the order it already has is this step's result. Checked by
    // looking the key up rather than by the wording of the message.
    if (generated && error instanceof PermanentError && error.status === 400) {
      let existing: Obj | undefined;
      try {
        existing = await client.getOrder(String(order.externalId), 'externalId', site);
      } catch (lookup) {
        if (!(lookup instanceof PermanentError && lookup.status === 404)) throw lookup;
      }
      if (existing) {
        ctx.logger.info({ externalId: order.externalId, id: existing.id }, 'retailcrm: order already created by an earlier attempt');
        return existing;
      }
    }
    throw error;
  }
}

export const orderCreate: ActionDefinition = {
  id: 'order.create',
  label: { ru: 'Создать заказ', en: 'Create order' },
  description: 'Создаёт заказ (POST /api/v5/orders/create). Без «Внешний ID заказа» подставляется ключ идемпотентности шага: повтор шага не создаст дубль.',
  kind: 'create',
  input: orderCreateInput,
  extraInput: structuredInput,
  output: orderCreateOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const order = assemble(input);
    const site = client.siteOr(take(order, 'site'));
    const created = await createOrderOnce(ctx, client, order, site);
    return { success: true, ...created };
  },
};
