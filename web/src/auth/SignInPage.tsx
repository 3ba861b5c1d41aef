// Sign in with the email and password that `npm start` printed on first start.
import { Alert, Button, Center, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
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
  const wait = useSignInWait();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/auth/login', { body: { email: email.trim(), password } });
      await client.resetQueries({ queryKey: ME_KEY });
    } catch (err) {
      // 429: the server pauses sign-in for a while; say how long and hold the button until then.
      if (err instanceof ApiError && err.status === 429) wait.start(Number(err.body.retryAfter) || 1);
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  function waitText(seconds: number): string {
    return seconds < 60 ? t('tooMany.seconds', { n: seconds }) : t('tooMany.minutes', { n: Math.ceil(seconds / 60) });
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
            {wait.seconds > 0 ? (
              <Alert color="orange" title={t('tooMany.title')} role="alert">
                {t('tooMany.text', { wait: waitText(wait.seconds) })}
              </Alert>
            ) : null}
            <Button type="submit" loading={busy} disabled={wait.seconds > 0}>
              {wait.seconds > 0 ? t('tooMany.waiting', { wait: waitText(wait.seconds) }) : t('submit')}
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

/** Seconds left of a sign-in pause the server asked for (Retry-After), counting down to 0. */
function useSignInWait(): { seconds: number; start(seconds: number): void } {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(timer);
  }, [until, now]);
  return {
    seconds: Math.max(0, Math.ceil((until - now) / 1000)),
    start(seconds) {
      const at = Date.now();
      setNow(at);
      setUntil(at + seconds * 1000);
    },
  };
}
