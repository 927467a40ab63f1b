import { useState } from 'preact/hooks';
import { language, messages } from '../i18n.ts';
import { settings, token } from '../session.ts';

/** GraphiQL, served by the gateway at /graphql with its assets inlined, framed in the console. */
export function ExplorerPage() {
  const text = messages(language.value);
  const [copied, setCopied] = useState(false);
  const verifiesTokens = settings.value?.identity === 'token';

  async function copyHeaders() {
    await navigator.clipboard.writeText(JSON.stringify({ Authorization: `Bearer ${token.value ?? ''}` }, null, 2));
    setCopied(true);
  }

  return (
    <main class="page explorer-page">
      <header class="page-header row">
        <div>
          <h1>{text.explorer.title}</h1>
          <p class="muted">{text.explorer.lead}</p>
          {verifiesTokens && <p class="warning">{text.explorer.tokenHint}</p>}
        </div>
        <div class="actions">
          {verifiesTokens && token.value && (
            <button type="button" class="secondary" onClick={copyHeaders}>
              {copied ? text.explorer.copied : text.explorer.copyHeaders}
            </button>
          )}
          <a class="button secondary" href="/graphql" target="_blank" rel="noopener">
            {text.explorer.openFull}
          </a>
        </div>
      </header>
      <iframe class="explorer" title={text.explorer.title} src="/graphql" />
    </main>
  );
}
