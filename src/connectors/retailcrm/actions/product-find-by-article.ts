// `product.findByArticle`: the product whose article (or one of its offers' article) is exactly the
// given one. store/products has no article filter, but store/inventories filters offers exactly by
// `offerArticle[]` / `productArticle[]` (api-client-php InventoryFilterType): the offer found there
// names its product through store/products `filter[offerIds][]`. Only when neither exact filter
// finds anything (or the key may not read inventories) the fuzzy `filter[name]` search is used,
// still keeping only an exact article match.
import { NotFoundError, PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { productFindByArticleInput, productFindByArticleOutput } from '../fields.ts';
import { requireValue } from '../mapping.ts';

type Obj = Record<string, unknown>;
export type ArticleHit = { product: Obj; offer: Obj | undefined };

const offersOf = (product: Obj) => (Array.isArray(product.offers) ? (product.offers as Obj[]) : []);

/** The first offer store/inventories finds under this exact filter, with its product; undefined if none. */
async function viaInventories(client: RetailcrmClient, filter: 'offerArticle' | 'productArticle', article: string): Promise<ArticleHit | undefined> {
  const env = await client.inventories({ [filter]: [article] }, 20);
  const ids = ((env.offers ?? []) as Obj[]).map((o) => o.id).filter((id): id is number | string => typeof id === 'number' || typeof id === 'string');
  if (ids.length === 0) return undefined;
  const products = await client.products({ offerIds: ids.slice(0, 20) }, 20);
  for (const product of (products.products ?? []) as Obj[]) {
    const offers = offersOf(product);
    const mine = offers.filter((o) => ids.some((id) => String(id) === String(o.id)));
    if (filter === 'offerArticle') {
      const offer = mine.find((o) => o.article === article) ?? mine[0];
      if (offer) return { product, offer };
    } else if (product.article === article) return { product, offer: mine[0] ?? offers[0] };
  }
  return undefined;
}

/** The old path: `filter[name]` (which also matches articles, up to 100 products), exact match kept. */
async function viaNameSearch(client: RetailcrmClient, article: string): Promise<ArticleHit | undefined> {
  const env = await client.products({ name: article }, 100);
  const wanted = article.trim().toLowerCase();
  const same = (v: unknown) => typeof v === 'string' && v.trim().toLowerCase() === wanted;
  for (const product of (env.products ?? []) as Obj[]) {
    const offers = offersOf(product);
    const offer = offers.find((o) => same(o.article));
    if (offer) return { product, offer };
    if (same(product.article)) return { product, offer: offers[0] };
  }
  return undefined;
}

/** The product and offer with exactly this article (offer article first, then product article), or undefined. */
export async function findByArticle(client: RetailcrmClient, article: string): Promise<ArticleHit | undefined> {
  const wanted = article.trim();
  if (!wanted) return undefined;
  try {
    const hit = (await viaInventories(client, 'offerArticle', wanted)) ?? (await viaInventories(client, 'productArticle', wanted));
    if (hit) return hit;
  } catch (error) {
    // A key without store/inventories (403 Access denied.) can still search by name.
    if (!(error instanceof PermanentError && error.status === 403)) throw error;
  }
  return viaNameSearch(client, wanted);
}

/**
 * Many articles at once (a marketplace order's lines): one store/inventories request by every
 * `offerArticle` and one store/products request for the offers found; the articles not found that
 * way are looked up one by one as above (product article, then the name search).
 */
export async function findByArticles(client: RetailcrmClient, articles: string[]): Promise<Map<string, ArticleHit | undefined>> {
  const wanted = [...new Set(articles.map((a) => a.trim()).filter(Boolean))];
  const out = new Map<string, ArticleHit | undefined>();
  if (wanted.length > 1) {
    try {
      for (let i = 0; i < wanted.length; i += 50) {
        const chunk = wanted.slice(i, i + 50);
        const env = await client.inventories({ offerArticle: chunk }, 100);
        const ids = ((env.offers ?? []) as Obj[]).map((o) => o.id).filter((id): id is number | string => typeof id === 'number' || typeof id === 'string');
        if (ids.length === 0) continue;
        const products = await client.products({ offerIds: ids.slice(0, 100) }, 100);
        for (const product of (products.products ?? []) as Obj[]) {
          for (const offer of offersOf(product)) {
            const article = typeof offer.article === 'string' ? offer.article : undefined;
            if (article && chunk.includes(article) && !out.has(article) && ids.some((id) => String(id) === String(offer.id))) out.set(article, { product, offer });
          }
        }
      }
    } catch (error) {
      if (!(error instanceof PermanentError && error.status === 403)) throw error;
    }
  }
  for (const article of wanted) if (!out.has(article)) out.set(article, await findByArticle(client, article));
  return out;
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
