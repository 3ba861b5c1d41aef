// A render error shows a readable message and a way back, never a blank page or a stack.
import { Alert, Button, Center, Stack } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import i18n from '../i18n/index.ts';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Center mih="60vh" p="xl">
        <Stack maw={520}>
          <Alert color="red" title={i18n.t('error.crashTitle')} role="alert">
            {i18n.t('error.crashHint')}
            <br />
            <small>{this.state.error.message}</small>
          </Alert>
          <Button onClick={() => (window.location.href = '/flows')}>{i18n.t('error.reload')}</Button>
        </Stack>
      </Center>
    );
  }
}
