// `product.findByArticle`: the product whose article (or one of its offers' article) is exactly the
// given one. store/products has no article filter; `filter[name]` also matches articles, so the
// exact match is checked here.
import { NotFoundError } from '../../errors.ts';
import type { ActionDefinition } from '../../types.ts';
import { RetailcrmClient } from '../client.ts';
import { productFindByArticleInput, productFindByArticleOutput } from '../fields.ts';
import { requireValue } from '../mapping.ts';

type Obj = Record<string, unknown>;

/** The product and offer with exactly this article, or undefined. One request. */
export async function findByArticle(client: RetailcrmClient, article: string): Promise<{ product: Obj; offer: Obj | undefined } | undefined> {
  const env = await client.products({ name: article }, 100);
  const wanted = article.trim().toLowerCase();
  const same = (v: unknown) => typeof v === 'string' && v.trim().toLowerCase() === wanted;
  for (const product of (env.products ?? []) as Obj[]) {
    const offers = (product.offers ?? []) as Obj[];
    const offer = offers.find((o) => same(o.article));
    if (offer) return { product, offer };
    if (same(product.article)) return { product, offer: offers[0] };
  }
  return undefined;
}

export const productFindByArticle: ActionDefinition = {
  id: 'product.findByArticle',
  label: { ru: 'Найти товар по артикулу', en: 'Find product by article' },
  description: 'Ищет товар в каталоге RetailCRM по точному артикулу товара или торгового предложения.',
  kind: 'find',
  input: productFindByArticleInput,
  output: productFindByArticleOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const article = requireValue(input.article, 'article');
    const found = await findByArticle(client, article);
    if (!found) throw new NotFoundError(`RetailCRM: товар с артикулом «${article}» не найден`);
    return { ...found.product, offer: found.offer };
  },
};
