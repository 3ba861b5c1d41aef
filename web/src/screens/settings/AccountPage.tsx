// The signed-in user: change password, sign out.
import { Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { notify } from './notify.ts';
import { useMutation } from '@tanstack/react-query';
import { IconLogout } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { inUiLanguage } from '../../lib/bilingual.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

type Field = 'currentPassword' | 'newPassword' | 'repeat';
type Errors = Partial<Record<Field, string>>;

/** The server's answer on the field it is about: by issue path, else by what the message says. */
function serverErrors(error: unknown): { fields: Errors; rest: unknown } {
  if (!(error instanceof ApiError)) return { fields: {}, rest: error };
  const fields: Errors = {};
  for (const issue of error.issues) {
    if (issue.path.endsWith('currentPassword')) fields.currentPassword = inUiLanguage(issue.message);
    else if (issue.path.endsWith('newPassword')) fields.newPassword = inUiLanguage(issue.message);
  }
  if (!fields.currentPassword && !fields.newPassword && error.status === 400) {
    if (/current|текущ/i.test(error.message)) fields.currentPassword = inUiLanguage(error.message);
    else if (/new|нов|8/i.test(error.message)) fields.newPassword = inUiLanguage(error.message);
  }
  return { fields, rest: fields.currentPassword || fields.newPassword ? null : error };
}

function ChangePasswordForm() {
  const { t } = useTranslation('settings');
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: '', newPassword: '', repeat: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const change = useMutation({
    mutationFn: () => api<{ ok: true }>('/auth/password', { method: 'POST', body: { currentPassword: values.currentPassword, newPassword: values.newPassword } }),
    onSuccess: () => {
      setValues({ currentPassword: '', newPassword: '', repeat: '' });
      notify({ color: 'green', message: t('account.changed') });
    },
    onError: (error) => {
      const { fields, rest } = serverErrors(error);
      setErrors(fields);
      setFailure(rest);
    },
  });

  function set(field: Field, value: string) {
    setValues((v) => ({ ...v, [field]: value }));
    // An edited field's error no longer applies.
    setErrors((e) => ({ ...e, [field]: undefined }));
    setFailure(null);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const found: Errors = {};
    if (!values.currentPassword) found.currentPassword = t('account.currentRequired');
    if (values.newPassword.length < 8) found.newPassword = t('account.tooShort');
    else if (values.newPassword === values.currentPassword) found.newPassword = t('account.sameAsCurrent');
    if (values.repeat !== values.newPassword) found.repeat = t('account.mismatch');
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length === 0) change.mutate();
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={400}>
        <PasswordInput label={t('account.current')} autoComplete="current-password" required value={values.currentPassword} error={errors.currentPassword} onChange={(e) => set('currentPassword', e.currentTarget.value)} />
        <PasswordInput
          label={t('account.new')}
          description={t('account.newHint')}
          autoComplete="new-password"
          required
          value={values.newPassword}
          error={errors.newPassword}
          onChange={(e) => set('newPassword', e.currentTarget.value)}
        />
        <PasswordInput label={t('account.repeat')} autoComplete="new-password" required value={values.repeat} error={errors.repeat} onChange={(e) => set('repeat', e.currentTarget.value)} />
        <ErrorAlert error={failure} title={t('account.changeFailed')} />
        <div>
          <Button type="submit" loading={change.isPending}>
            {t('account.change')}
          </Button>
        </div>
      </Stack>
    </form>
  );
}

export function AccountPage() {
  const { t } = useTranslation('settings');
  const { me, signOut } = useSession();
  return (
    <Stack gap="lg" maw={640}>
      <div>
        <Title order={1} size="h2">
          {t('account.title')}
        </Title>
        <Text c="dimmed" size="sm">
          {me.user ? t('account.signedInAs', { email: me.user.email }) : t('account.token')}
        </Text>
      </div>
      {me.user && (
        <Paper withBorder p="md" component="section" aria-labelledby="account-password">
          <Stack>
            <div>
              <Title order={2} size="h4" id="account-password">
                {t('account.passwordTitle')}
              </Title>
              <Text size="sm" c="dimmed">
                {t('account.passwordHint')}
              </Text>
            </div>
            <ChangePasswordForm />
          </Stack>
        </Paper>
      )}
      <Paper withBorder p="md" component="section" aria-labelledby="account-signout">
        <Stack align="flex-start">
          <Title order={2} size="h4" id="account-signout">
            {t('account.signOutTitle')}
          </Title>
          <Button variant="default" leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
            {t('account.signOut')}
          </Button>
        </Stack>
      </Paper>
    </Stack>
  );
}
