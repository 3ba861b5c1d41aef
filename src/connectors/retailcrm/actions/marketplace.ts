// `order.createFromOzon` and `order.createFromWildberries`: each marketplace product is looked up
// in the RetailCRM catalog by its article, and one order is created with those offers. A product
// whose article is not in the catalog still becomes an item (by name) so the order is not lost;
// its article is reported in `notFoundArticles`.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionContext, ActionDefinition } from '../../../connector-kit/types.ts';
import { isPlainObject } from '../../../connector-kit/values.ts';
import { RetailcrmClient } from '../client.ts';
import {
  orderCreateFromOzonInput,
  orderCreateFromOzonOutput,
  orderCreateFromWildberriesInput,
  orderCreateFromWildberriesOutput,
  structuredInput,
} from '../fields.ts';
import { assemble, isUnset, take } from '../mapping.ts';
import { createOrderOnce } from './order-create.ts';
import { findByArticles } from './product-find-by-article.ts';

type Obj = Record<string, unknown>;

export interface MarketplaceLine {
  article: string;
  quantity: number;
  price: number | undefined;
  name: string | undefined;
}

async function createWithLines(ctx: ActionContext, order: Obj, lines: MarketplaceLine[]): Promise<Record<string, unknown>> {
  const client = new RetailcrmClient(ctx);
  const site = client.siteOr(take(order, 'site'));
  const items: Obj[] = [];
  const notFound: string[] = [];
  const catalog = await findByArticles(client, lines.map((l) => l.article));
  for (const line of lines) {
    const found = line.article ? catalog.get(line.article.trim()) : undefined;
    const item: Obj = { quantity: line.quantity };
    if (line.price !== undefined) item.initialPrice = line.price;
    if (found?.offer) item.offer = { id: found.offer.id };
    else {
      notFound.push(line.article);
      item.productName = line.name ?? line.article;
    }
    items.push(item);
  }
  if (notFound.length) ctx.logger.warn({ articles: notFound }, 'retailcrm: marketplace articles not in the catalog');
  order.items = items;
  const created = await createOrderOnce(ctx, client, order, site);
  return { success: true, id: created.id, number: created.number, externalId: created.externalId, notFoundArticles: notFound };
}

function listOf(value: unknown, field: string): Obj[] {
  // JSON text was parsed by the kit (the field's type is json): text left here was not JSON.
  let v = value;
  if (typeof v === 'string') throw new PermanentError(`Поле "${field}": ожидается JSON-массив`);
  if (isPlainObject(v)) {
    const o = v;
    v = Array.isArray(o.products) ? o.products : Array.isArray(o.orders) ? o.orders : [o];
  }
  if (!Array.isArray(v) || v.length === 0) throw new PermanentError(`Поле "${field}": нужен непустой список товаров`);
  return v as Obj[];
}

const num = (v: unknown): number | undefined => {
  if (isUnset(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

export const orderCreateFromOzon: ActionDefinition = {
  id: 'order.createFromOzon',
  label: { ru: 'Создать заказ из Ozon', en: 'Create order from Ozon' },
  description: 'Находит товары Ozon в каталоге RetailCRM по артикулу (поле article_field, по умолчанию offer_id) и создаёт заказ с ними.',
  kind: 'create',
  input: orderCreateFromOzonInput,
  extraInput: structuredInput,
  output: orderCreateFromOzonOutput,
  async run(ctx, input) {
    const { article_field, products, ...rest } = input;
    const field = isUnset(article_field) ? 'offer_id' : String(article_field).trim();
    const lines = listOf(products, 'products').map((p) => ({
      article: isUnset(p[field]) ? '' : String(p[field]).trim(),
      quantity: num(p.quantity) ?? 1,
      price: num(p.price),
      name: typeof p.name === 'string' ? p.name : undefined,
    }));
    return createWithLines(ctx, assemble(rest), lines);
  },
};

export const orderCreateFromWildberries: ActionDefinition = {
  id: 'order.createFromWildberries',
  label: { ru: 'Создать заказ из Wildberries', en: 'Create order from Wildberries' },
  description: 'Создаёт заказ из сборочного задания Wildberries: товар ищется в каталоге RetailCRM по артикулу продавца (article); цена WB в копейках делится на 100.',
  kind: 'create',
  input: orderCreateFromWildberriesInput,
  extraInput: structuredInput,
  output: orderCreateFromWildberriesOutput,
  async run(ctx, input) {
    const { webhook, ...rest } = input;
    const lines = listOf(webhook, 'webhook').map((o) => {
      const kopecks = num(o.convertedPrice) ?? num(o.price);
      return {
        article: isUnset(o.article) ? '' : String(o.article).trim(),
        quantity: num(o.quantity) ?? 1,
        price: kopecks === undefined ? undefined : kopecks / 100,
        name: typeof o.name === 'string' ? o.name : undefined,
      };
    });
    return createWithLines(ctx, assemble(rest), lines);
  },
};
