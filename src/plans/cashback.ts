// Prepayment cashback (the page's table): a top-up of at least a tier's amount gets that tier's
// percentage onto the balance; amounts between tiers get the lower tier. Money is integer kopecks.
export const CASHBACK_TIERS: ReadonlyArray<{ fromKopecks: number; percent: number }> = [
  { fromKopecks: 50_000_00, percent: 25 },
  { fromKopecks: 40_000_00, percent: 20 },
  { fromKopecks: 30_000_00, percent: 15 },
  { fromKopecks: 20_000_00, percent: 10 },
  { fromKopecks: 10_000_00, percent: 5 },
];

export function cashbackFor(amountKopecks: number): { percent: number; cashbackKopecks: number } {
  if (!Number.isSafeInteger(amountKopecks) || amountKopecks < 0) throw new RangeError('amount must be a non-negative whole number of kopecks');
  const tier = CASHBACK_TIERS.find((t) => amountKopecks >= t.fromKopecks);
  if (!tier) return { percent: 0, cashbackKopecks: 0 };
  // Floor: the customer never gets a fraction of a kopeck more than the percentage.
  return { percent: tier.percent, cashbackKopecks: Math.floor((amountKopecks * tier.percent) / 100) };
}
