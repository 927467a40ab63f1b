import type { ComponentChildren } from 'preact';
import { messages } from '../i18n.ts';

export const Loading = () => (
  <p class="state loading" role="status">
    <span class="spinner" aria-hidden="true" />
    {messages().states.loading}
  </p>
);

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return (
    <div class="state error" role="alert">
      <p>
        {code && <code class="code">{code}</code>} {message}
      </p>
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          {messages().states.retry}
        </button>
      )}
    </div>
  );
}

export const Empty = ({ children }: { children: ComponentChildren }) => <div class="state empty">{children}</div>;
