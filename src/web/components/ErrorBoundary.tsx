import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * Keeps a failure inside one part of a page: when `children` throw while rendering (a lazy
 * chunk that cannot be fetched, a bug), `fallback` shows in their place and the rest of the page
 * carries on.
 */
export class ErrorBoundary extends Component<
  { fallback: ReactNode; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('A part of the page failed', error, info.componentStack);
  }

  override render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
