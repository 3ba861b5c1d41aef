// The form of one connection: its name (when new) and the connector's auth fields. Secrets are
// write-only: a stored one shows as "••• сохранён" and is replaced only when something is typed.
// "Проверить" saves, then runs the connector's own test and shows its explanation.
import { Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { fieldOfError, testConnection, useCreateConnection, useUpdateConnection, type AuthValues, type ConnectionItem, type TestResult } from './api.ts';
import type { CatalogConnector } from '../../api/catalog.ts';
import { TestResultAlert } from './TestResultAlert.tsx';

interface Props {
  connector: CatalogConnector;
  /** The stored connection when editing; absent when adding. */
  existing?: ConnectionItem;
  suggestedName?: string;
  takenNames: string[];
  onClose(): void;
}

export function ConnectionForm({ connector, existing, suggestedName, takenNames, onClose }: Props) {
  const { t, i18n } = useTranslation('connections');
  const create = useCreateConnection();
  const update = useUpdateConnection();
  const [savedId, setSavedId] = useState<string | null>(existing?.id ?? null);
  const [name, setName] = useState(existing?.name ?? suggestedName ?? '');
  const [values, setValues] = useState<AuthValues>(() => initialValues(connector, existing));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  /** The connection exists on the server (saved once). */
  const secretsStored = savedId !== null;
  /** Secret fields with a stored value: an empty field keeps it. Older servers don't say: all of them. */
  const [storedSecrets, setStoredSecrets] = useState<Set<string>>(
    () => new Set(existing ? (existing.secretsSet ?? connector.auth.filter((f) => f.secret).map((f) => f.id)) : []),
  );

  function validate(): Record<string, string> {
    const found: Record<string, string> = {};
    if (!secretsStored) {
      if (!name.trim()) found.name = t('form.required');
      else if (takenNames.includes(name.trim())) found.name = t('form.nameTaken');
    }
    for (const field of connector.auth) {
      const empty = !(values[field.id] ?? '').trim();
      if (field.required && empty && !storedSecrets.has(field.id)) found[`auth.${field.id}`] = t('form.required');
    }
    return found;
  }

  /** Saves (creates the first time, then changes credentials); the connection's id, or null when refused. */
  async function save(): Promise<string | null> {
    const found = validate();
    setErrors(found);
    setError(null);
    if (Object.keys(found).length > 0) return null;
    const auth = authToSend(connector, values, existing);
    const typedSecrets = connector.auth.filter((f) => f.secret && (values[f.id] ?? '').trim()).map((f) => f.id);
    try {
      if (savedId === null) {
        const created = await create.mutateAsync({ name: name.trim(), connector: connector.connector, auth });
        setSavedId(created.id);
        setStoredSecrets(new Set(created.secretsSet ?? typedSecrets));
        return created.id;
      }
      const updated = await update.mutateAsync({ id: savedId, auth });
      setStoredSecrets(new Set(updated?.secretsSet ?? [...storedSecrets, ...typedSecrets]));
      return savedId;
    } catch (err) {
      const field = fieldOfError(err);
      if (field && (field === 'name' || field.startsWith('auth.'))) setErrors({ [field]: err instanceof Error ? err.message : String(err) });
      else setError(err);
      return null;
    }
  }

  async function onSave() {
    setBusy('save');
    setResult(null);
    const id = await save();
    setBusy(null);
    if (id) onClose();
  }

  async function onTest(e?: FormEvent) {
    e?.preventDefault();
    setBusy('test');
    setResult(null);
    const id = await save();
    if (id) setResult(await testConnection(id));
    setBusy(null);
  }

  return (
    <form onSubmit={onTest} noValidate>
      <Stack gap="sm">
        {!existing && (
          <TextInput
            label={t('form.name')}
            description={t('form.nameHint')}
            required
            value={name}
            disabled={secretsStored}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
        )}
        {connector.auth.map((field) => {
          const key = `auth.${field.id}`;
          const stored = field.secret === true && storedSecrets.has(field.id);
          const common = {
            label: i18n.language === 'en' && field.labelEn ? field.labelEn : field.label,
            required: field.required === true && !stored,
            value: values[field.id] ?? '',
            onChange: (e: ChangeEvent<HTMLInputElement>) => {
              const value = e.currentTarget.value;
              setValues((v) => ({ ...v, [field.id]: value }));
              setResult(null);
            },
            error: errors[key],
            autoComplete: 'off',
          };
          return field.secret ? (
            <PasswordInput
              key={field.id}
              {...common}
              autoComplete="new-password"
              placeholder={stored ? t('form.secretStored') : undefined}
              description={stored ? t('form.secretKeep') : t('form.secretOnce')}
            />
          ) : (
            <TextInput key={field.id} {...common} description={field.description} />
          );
        })}
        {error ? <ErrorAlert error={error} title={t('form.saveFailed')} /> : null}
        {result && <TestResultAlert result={result} />}
        <Text size="xs" c="dimmed">
          {t('form.testHint')}
        </Text>
        <Group justify="flex-end" gap="xs">
          {result?.ok ? (
            <Button onClick={onClose}>{t('form.done')}</Button>
          ) : (
            <>
              <Button variant="default" onClick={() => void onSave()} loading={busy === 'save'} disabled={busy !== null}>
                {t('form.save')}
              </Button>
              <Button type="submit" loading={busy === 'test'} disabled={busy !== null}>
                {t('form.test')}
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </form>
  );
}

function initialValues(connector: CatalogConnector, existing: ConnectionItem | undefined): AuthValues {
  const values: AuthValues = {};
  for (const field of connector.auth) {
    const stored = existing?.config[field.id];
    values[field.id] = !field.secret && stored !== undefined && stored !== null ? String(stored) : '';
  }
  return values;
}

/** Typed values only; an empty secret is left out so the stored one stays. A cleared non-secret that was set goes as "". */
function authToSend(connector: CatalogConnector, values: AuthValues, existing: ConnectionItem | undefined): AuthValues {
  const auth: AuthValues = {};
  for (const field of connector.auth) {
    const value = (values[field.id] ?? '').trim();
    if (value) auth[field.id] = value;
    else if (!field.secret && existing?.config[field.id] !== undefined) auth[field.id] = '';
  }
  return auth;
}
