// Routes. Each screen lives in its own folder under screens/.
import './contrast.css';
import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { ApiError } from '../api/client.ts';
import { SessionProvider, useMe } from '../auth/session.tsx';
import { SignInPage } from '../auth/SignInPage.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Layout } from './Layout.tsx';
import { FlowsPage } from '../screens/flows/FlowsPage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';

// Screens other than the flow list load on first visit, so the first page stays small.
const FlowEditorPage = lazy(() => import('../screens/editor/FlowEditorPage.tsx').then((m) => ({ default: m.FlowEditorPage })));
const ConnectionsPage = lazy(() => import('../screens/connections/ConnectionsPage.tsx').then((m) => ({ default: m.ConnectionsPage })));
const ExecutionsPage = lazy(() => import('../screens/executions/ExecutionsPage.tsx').then((m) => ({ default: m.ExecutionsPage })));
const ExecutionPage = lazy(() => import('../screens/executions/ExecutionPage.tsx').then((m) => ({ default: m.ExecutionPage })));
const WebhooksPage = lazy(() => import('../screens/webhooks/WebhooksPage.tsx').then((m) => ({ default: m.WebhooksPage })));
const WebhookPage = lazy(() => import('../screens/webhooks/WebhookPage.tsx').then((m) => ({ default: m.WebhookPage })));
const UsagePage = lazy(() => import('../screens/usage/UsagePage.tsx').then((m) => ({ default: m.UsagePage })));
const SettingsPage = lazy(() => import('../screens/settings/SettingsPage.tsx').then((m) => ({ default: m.SettingsPage })));
const AccountPage = lazy(() => import('../screens/settings/AccountPage.tsx').then((m) => ({ default: m.AccountPage })));
const OperatorPage = lazy(() => import('../screens/operator/OperatorPage.tsx').then((m) => ({ default: m.OperatorPage })));
const NoWorkspacePage = lazy(() => import('../screens/settings/NoWorkspacePage.tsx').then((m) => ({ default: m.NoWorkspacePage })));

export function App() {
  const me = useMe();
  if (me.isPending) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Загрузка / Loading" />
      </Center>
    );
  }
  if (me.error instanceof ApiError && me.error.status === 401) return <SignInPage />;
  if (me.error) {
    return (
      <Center mih="100vh" p="xl">
        <ErrorAlert error={me.error} />
      </Center>
    );
  }
  // Signed in but a member of no workspace yet (invited, or an operator): invitations and the operator's screen.
  if (me.data.workspaces.length === 0) {
    return (
      <Suspense fallback={<Center mih="50vh"><Loader aria-label="Загрузка / Loading" /></Center>}>
        <NoWorkspacePage me={me.data} />
      </Suspense>
    );
  }
  return (
    <SessionProvider me={me.data}>
      <Suspense fallback={<Center mih="50vh"><Loader aria-label="Загрузка / Loading" /></Center>}>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<Navigate to="/flows" replace />} />
          <Route path="flows" element={<FlowsPage />} />
          <Route path="flows/new" element={<FlowEditorPage />} />
          <Route path="flows/:id" element={<FlowEditorPage />} />
          <Route path="connections" element={<ConnectionsPage />} />
          <Route path="executions" element={<ExecutionsPage />} />
          <Route path="executions/:id" element={<ExecutionPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="webhooks/:id" element={<WebhookPage />} />
          <Route path="usage" element={<UsagePage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="operator" element={me.data.operator ? <OperatorPage /> : <NotFoundPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
      </Suspense>
    </SessionProvider>
  );
}
