// One recognisable icon per connector key.
import { ThemeIcon } from '@mantine/core';
import { IconBolt, IconBuildingStore, IconCalendarTime, IconPhoneCall, IconShoppingCart, IconWebhook, IconWorld, IconPackage, IconTruck } from '@tabler/icons-react';

const ICONS: Record<string, { icon: typeof IconBolt; color: string }> = {
  retailcrm: { icon: IconShoppingCart, color: 'orange' },
  calltouch: { icon: IconPhoneCall, color: 'teal' },
  webhook: { icon: IconWebhook, color: 'grape' },
  http: { icon: IconWorld, color: 'blue' },
  schedule: { icon: IconCalendarTime, color: 'indigo' },
  ozon: { icon: IconPackage, color: 'blue' },
  wildberries: { icon: IconBuildingStore, color: 'pink' },
  kaspi: { icon: IconTruck, color: 'red' },
};

export function ConnectorIcon(props: { connector: string; size?: number }) {
  const found = ICONS[props.connector] ?? { icon: IconBolt, color: 'gray' };
  const Icon = found.icon;
  const size = props.size ?? 28;
  return (
    <ThemeIcon size={size} radius="md" variant="light" color={found.color} aria-hidden>
      <Icon size={Math.round(size * 0.64)} />
    </ThemeIcon>
  );
}
