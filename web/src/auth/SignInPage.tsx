// Sign in with the email and password that `npm start` printed on first start.
import { Alert, Button, Center, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { setLanguage, type Language } from '../i18n/index.ts';
import { ME_KEY, takeSessionEnded } from './session.tsx';

export function SignInPage() {
  const { t, i18n } = useTranslation('auth');
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [ended] = useState(takeSessionEnded);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/auth/login', { body: { email: email.trim(), password } });
      await client.resetQueries({ queryKey: ME_KEY });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={400}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={1} size="h2">
              {t('title')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('hint')}
            </Text>
            {ended && !error ? (
              <Alert color="yellow" role="status">
                {t('sessionEnded')}
              </Alert>
            ) : null}
            <TextInput label={t('email')} type="text" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <PasswordInput label={t('password')} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            {error ? <ErrorAlert error={error} title={t('failed')} /> : null}
            <Button type="submit" loading={busy}>
              {t('submit')}
            </Button>
            <SegmentedControl
              size="xs"
              value={i18n.language}
              onChange={(v) => setLanguage(v as Language)}
              data={[
                { value: 'ru', label: 'Русский' },
                { value: 'en', label: 'English' },
              ]}
              aria-label="Язык / Language"
            />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
