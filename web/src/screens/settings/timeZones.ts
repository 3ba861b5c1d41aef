// Time zones for the workspace: Russia's first (Moscow at the top), then every other IANA zone
// the browser knows, each with its current UTC offset.

const RUSSIAN_ZONES = [
  'Europe/Moscow',
  'Europe/Kaliningrad',
  'Europe/Simferopol',
  'Europe/Kirov',
  'Europe/Volgograd',
  'Europe/Samara',
  'Europe/Astrakhan',
  'Europe/Saratov',
  'Europe/Ulyanovsk',
  'Asia/Yekaterinburg',
  'Asia/Omsk',
  'Asia/Novosibirsk',
  'Asia/Barnaul',
  'Asia/Tomsk',
  'Asia/Novokuznetsk',
  'Asia/Krasnoyarsk',
  'Asia/Irkutsk',
  'Asia/Chita',
  'Asia/Yakutsk',
  'Asia/Khandyga',
  'Asia/Vladivostok',
  'Asia/Ust-Nera',
  'Asia/Magadan',
  'Asia/Sakhalin',
  'Asia/Srednekolymsk',
  'Asia/Kamchatka',
  'Asia/Anadyr',
];

function offsetOf(zone: string): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return (part?.value ?? 'GMT').replace('GMT', 'UTC');
  } catch {
    return '';
  }
}

function allZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? RUSSIAN_ZONES;
}

export interface ZoneGroup {
  group: string;
  items: Array<{ value: string; label: string }>;
}

/** Select data grouped as Russia / other; `current` is kept even if the browser lacks it. */
export function timeZoneOptions(groupNames: { russia: string; other: string }, current?: string): ZoneGroup[] {
  const option = (zone: string) => ({ value: zone, label: `${zone.replace(/_/g, ' ')} (${offsetOf(zone)})` });
  const russian = new Set(RUSSIAN_ZONES);
  const others = allZones().filter((z) => !russian.has(z) && z !== 'UTC');
  const otherItems = ['UTC', ...others];
  if (current && !russian.has(current) && !otherItems.includes(current)) otherItems.unshift(current);
  return [
    { group: groupNames.russia, items: RUSSIAN_ZONES.map(option) },
    { group: groupNames.other, items: otherItems.map(option) },
  ];
}
