// "+ добавить шаг": action, filter, set values, delay, router.
import { Button, Center, Menu } from '@mantine/core';
import { IconArrowsSplit, IconClockHour4, IconDatabase, IconFilter, IconPlus, IconRocket, IconVariable } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { StepType } from './flowTypes.ts';

export const STEP_ICONS = { action: IconRocket, filter: IconFilter, set: IconVariable, delay: IconClockHour4, router: IconArrowsSplit, store: IconDatabase } as const;
const TYPES: StepType[] = ['action', 'filter', 'set', 'delay', 'router', 'store'];

export function AddStepMenu(props: { onAdd(type: StepType): void; position: number; last: boolean }) {
  const { t } = useTranslation('editor');
  return (
    <Center className="svz-step-connector" py={6} style={{ justifyContent: 'flex-start', paddingLeft: 12 }}>
      <Menu position="bottom-start" withinPortal shadow="md">
        <Menu.Target>
          <Button
            variant={props.last ? 'light' : 'subtle'}
            size="xs"
            leftSection={<IconPlus size={14} />}
            aria-label={props.last ? t('steps.add') : t('steps.addAt', { n: props.position + 1 })}
          >
            {t('steps.add')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {TYPES.map((type) => {
            const Icon = STEP_ICONS[type];
            return (
              <Menu.Item key={type} leftSection={<Icon size={16} />} onClick={() => props.onAdd(type)}>
                {t(`stepType.${type}`)}
                <div style={{ fontSize: 11, opacity: 0.65 }}>{t(`stepType.${type}Hint`)}</div>
              </Menu.Item>
            );
          })}
        </Menu.Dropdown>
      </Menu>
    </Center>
  );
}
