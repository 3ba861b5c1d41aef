// The demo's one data set, shared by the RetailCRM and Calltouch sandboxes: customers with phones,
// RetailCRM orders (numbers, items, statuses) dated over the days up to `now`, and for every order
// the Calltouch deal with the same order number and phone — so a flow "order complete → Calltouch
// deal" finds its deal. Deterministic: the same seed and `now` give the same data.
import { formatDmyHms } from './calltouch/client.ts';
import { seededRandom } from '../connector-kit/seeded-random.ts';

const DAY_MS = 86_400_000;

/** The demo catalog: name, article (product and its one offer), price in roubles. */
export const DEMO_PRODUCTS = [
  ['Футболка хлопковая белая', 'TS-WHT-001', 990],
  ['Худи оверсайз серое', 'HD-GRY-014', 3490],
  ['Кроссовки беговые', 'SN-RUN-221', 5990],
  ['Рюкзак городской 20 л', 'BP-CTY-020', 2790],
  ['Кружка керамическая 350 мл', 'MG-CER-350', 490],
  ['Термос стальной 0,5 л', 'TH-STL-050', 1590],
  ['Наушники беспроводные', 'HP-BT-500', 4990],
  ['Зарядное устройство USB-C 30 Вт', 'CH-USBC-30', 1290],
  ['Носки хлопковые, 3 пары', 'SK-CTN-003', 390],
  ['Кепка бейсболка чёрная', 'CP-BLK-001', 890],
  ['Плед флисовый 150×200', 'PL-FLC-150', 1890],
  ['Бутылка для воды 750 мл', 'BT-WTR-750', 690],
] as const;

export const DEMO_DELIVERY_COST = 300;
export const DEMO_CITIES = ['Москва', 'Санкт-Петербург', 'Казань', 'Екатеринбург', 'Новосибирск'];
export const DEMO_STREETS = ['ул. Ленина', 'пр. Мира', 'ул. Гагарина', 'ул. Садовая', 'Невский пр.'];
/** RetailCRM status codes the seeded orders end in. */
export const DEMO_STATUSES = ['new', 'assembling', 'delivering', 'complete', 'cancel-other'] as const;
/** RetailCRM order ids start after this; an order's number is `${id}A`, as the sandbox numbers them. */
export const DEMO_FIRST_ORDER_ID = 1001;

const FIRST_M = ['Иван', 'Сергей', 'Дмитрий', 'Алексей', 'Павел'];
const FIRST_F = ['Анна', 'Мария', 'Елена', 'Ольга', 'Татьяна'];
const LAST_M = ['Петров', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов'];
const LAST_F = ['Петрова', 'Смирнова', 'Кузнецова', 'Попова', 'Соколова'];

export interface DemoCustomer {
  externalId: string;
  firstName: string;
  lastName: string;
  presumableSex: 'male' | 'female';
  email: string;
  /** `+7916…`, as RetailCRM stores it. */
  phone: string;
  createdAt: number;
}

export interface DemoOrder {
  number: string;
  externalId: string;
  customer: DemoCustomer;
  createdAt: number;
  /** When the order reached `status` (an hour after creation; equal to createdAt for "new"). */
  statusAt: number;
  status: (typeof DEMO_STATUSES)[number];
  items: Array<{ article: string; quantity: number; price: number }>;
  address: { city: string; street: string; building: string };
  /** Items plus delivery, what RetailCRM's totalSumm comes to. */
  totalSumm: number;
}

export interface DemoDataSet {
  now: number;
  customers: DemoCustomer[];
  orders: DemoOrder[];
}

export interface DemoDataOptions {
  seed?: number;
  /** The data set's "today", ms (default Date.now()). Every date is at most this. */
  now?: number;
  /** Number of orders (default 20). */
  orders?: number;
  /** Orders are spread over this many days up to `now` (default 30). */
  days?: number;
}

function rng(seed: number): () => number {
  return seededRandom(seed >>> 0 || 1);
}

export function generateDemoData(opts: DemoDataOptions = {}): DemoDataSet {
  const random = rng(opts.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const now = Math.floor((opts.now ?? Date.now()) / 1000) * 1000;
  const count = Math.max(1, opts.orders ?? 20);
  const span = Math.max(1, opts.days ?? 30) * DAY_MS;

  const customers: DemoCustomer[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(count / 2)); i++) {
    const female = random() < 0.5;
    customers.push({
      externalId: `c-${i + 1}`,
      firstName: pick(female ? FIRST_F : FIRST_M),
      lastName: pick(female ? LAST_F : LAST_M),
      presumableSex: female ? 'female' : 'male',
      email: `client${i + 1}@example.ru`,
      phone: `+7916${String(1_000_000 + Math.floor(random() * 8_999_999))}`,
      createdAt: now - span - DAY_MS,
    });
  }

  const orders: DemoOrder[] = [];
  for (let i = 0; i < count; i++) {
    // Oldest first, evenly over the span; the newest a couple of hours before `now`.
    const at = now - span + Math.round(((i + 1) * span) / count) - 2 * 3_600_000 - Math.floor(random() * 3600) * 1000;
    const status = pick(DEMO_STATUSES);
    const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      const [, article, price] = pick(DEMO_PRODUCTS);
      return { article, price, quantity: 1 + Math.floor(random() * 2) };
    });
    orders.push({
      number: `${DEMO_FIRST_ORDER_ID + i}A`,
      externalId: `seed-${i + 1}`,
      customer: pick(customers),
      createdAt: at,
      statusAt: status === 'new' ? at : Math.min(now, at + 3_600_000),
      status,
      items,
      address: { city: pick(DEMO_CITIES), street: pick(DEMO_STREETS), building: String(1 + Math.floor(random() * 90)) },
      totalSumm: items.reduce((s, it) => s + it.price * it.quantity, 0) + DEMO_DELIVERY_COST,
    });
  }
  return { now, customers, orders };
}

const CALLTOUCH_STATUS: Record<DemoOrder['status'], string> = {
  new: 'start',
  assembling: 'in_progress',
  delivering: 'in_progress',
  complete: 'final',
  'cancel-other': 'cancel',
};

/** A deal as the Calltouch journal shows it, plus `orderMs` (its orderDate, UTC wall ms). */
export type CalltouchDemoDeal = Record<string, unknown> & { orderNumber: string; orderMs: number };

/** Each order's Calltouch deal: same order number, the customer's phone (digits), the order's date and sum. */
export function calltouchDeals(data: DemoDataSet): CalltouchDemoDeal[] {
  return data.orders.map((o, i) => {
    const phone = o.customer.phone.replace(/\D/g, '');
    const status = CALLTOUCH_STATUS[o.status];
    const final = status === 'final';
    return {
      client: { phones: phone, fio: `${o.customer.lastName} ${o.customer.firstName}`, emails: o.customer.email },
      completedAmount: final ? o.totalSumm : null,
      completedDate: final ? formatDmyHms(o.statusAt).slice(0, 10) : null,
      createdDate: formatDmyHms(o.createdAt),
      isDeleted: false,
      manager: null,
      orderDate: formatDmyHms(o.createdAt),
      statusDate: formatDmyHms(o.statusAt),
      updatedDate: o.statusAt === o.createdAt ? null : formatDmyHms(o.statusAt),
      orderNumber: o.number,
      orderOrigin: 'API',
      orderSource: { callId: 50_000_000 + i, duration: 60 + ((i * 37) % 240), phoneNumber: '74991121187', type: 'CALL', ani: phone, dateCall: formatDmyHms(o.createdAt - 600_000) },
      orderStatus: status,
      plannedAmount: o.totalSumm,
      service: 'retailCRM',
      visit: null,
      funnel: 'Основная воронка',
      currencyCode: 'RUB',
      margin: null,
      orderLink: null,
      orderName: `Заказ ${o.number}`,
      orderMs: o.createdAt,
    };
  });
}
