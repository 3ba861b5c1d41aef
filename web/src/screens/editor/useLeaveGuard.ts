// Warns before leaving the editor with unsaved changes: closing or reloading the tab, and any
// navigation inside the app (links, Back, Forward). The editor's own move from /flows/new to the
// saved flow's address carries `editorSession` in its state and is let through.
import { useEffect } from 'react';
import { useBlocker } from 'react-router-dom';

const ownMove = (state: unknown) => typeof state === 'object' && state !== null && 'editorSession' in state;

export function useLeaveGuard(active: boolean, message: string): void {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => active && currentLocation.pathname !== nextLocation.pathname && !ownMove(nextLocation.state));
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm(message)) blocker.proceed();
    else blocker.reset();
  }, [blocker, message]);

  useEffect(() => {
    if (!active) return;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = message;
    };
    window.addEventListener('beforeunload', beforeUnload);
    return () => window.removeEventListener('beforeunload', beforeUnload);
  }, [active, message]);
}
