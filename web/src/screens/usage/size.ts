// Sizes on disk as the usage screen and the banners show them: binary units, one decimal, the
// units in the UI's language. Part of the first page (the banners): keep it tiny.
import type { TFunction } from 'i18next';
import { formatNumber } from '../../lib/format.ts';

const UNITS = ['b', 'kb', 'mb', 'gb', 'tb'] as const;

export function formatSize(n: number, t: TFunction<'usage'>): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = unit === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${formatNumber(rounded)} ${t(`disk.units.${UNITS[unit]}`)}`;
}
