// Alert settings of the workspace (e-mail and Telegram on failures, quota, refused connections,
// failing polls and notices). Owners only: the settings hold an SMTP password and a bot token,
// which go in and never come out (the answer says whether each is set).
import type { Services } from '../../services.ts';
import { alertsOf, lastDelivery, testAlerts } from '../../alerts/index.ts';
import { alertSettingsInput, AlertSettingsError } from '../../alerts/settings.ts';
import { ApiError, type ApiRouter } from '../router.ts';

export function registerAlertsRoutes(api: ApiRouter, s: Services): void {
  const alerts = alertsOf(s);
  api.add({
    method: 'GET', url: '/alerts', summary: 'Alert settings (secrets shown only as passwordSet / botTokenSet) and the last delivery', tag: 'alerts', role: 'owner',
    async handler({ workspaceId }) {
      return { ...(await alerts.settings.view(workspaceId)), lastDelivery: await lastDelivery(s, workspaceId) };
    },
  });
  api.add({
    method: 'PUT', url: '/alerts',
    summary: 'Replace the alert settings; email.password and telegram.botToken left out keep their stored value, null clears them',
    tag: 'alerts', role: 'owner', body: alertSettingsInput,
    audit: {
      action: 'alerts.update',
      target: () => ({ type: 'alerts', id: 'alerts', name: null }),
      details: (c) => ({
        enabled: c.body.enabled,
        channels: [...(c.body.email ? ['email'] : []), ...(c.body.telegram ? ['telegram'] : [])],
        secretsChanged: [...(c.body.email?.password !== undefined ? ['email.password'] : []), ...(c.body.telegram?.botToken !== undefined ? ['telegram.botToken'] : [])],
      }),
    },
    async handler({ body, workspaceId }) {
      try {
        return await alerts.settings.save(workspaceId, body);
      } catch (error) {
        if (error instanceof AlertSettingsError) throw new ApiError(400, error.message);
        throw error;
      }
    },
  });
  api.add({
    method: 'POST', url: '/alerts/test', summary: 'Send a test message through every configured channel; each channel says ok or why not (a refused SMTP login, an unknown chat)', tag: 'alerts', role: 'owner',
    audit: { action: 'alerts.test', target: () => ({ type: 'alerts', id: 'alerts', name: null }), details: (c) => ({ ok: c.result.ok === true }) },
    async handler({ workspaceId }) {
      const result = await testAlerts(alerts, workspaceId, s.config.publicUrl);
      if (Object.keys(result.channels).length === 0) throw new ApiError(400, 'Настройте e-mail или Telegram / Configure e-mail or Telegram first');
      return result;
    },
  });
}
