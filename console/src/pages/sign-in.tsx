import { useState } from 'preact/hooks';
import { ErrorState } from '../components/states.tsx';
import { language, messages } from '../i18n.ts';
import { signIn, signInReason } from '../session.ts';

export function SignInPage() {
  const text = messages(language.value);
  const [pasted, setPasted] = useState('');
  const [state, setState] = useState<{ status: 'idle' | 'checking' } | { status: 'error'; error: unknown }>({ status: 'idle' });

  async function submit(event: Event) {
    event.preventDefault();
    if (!pasted.trim()) {
      setState({ status: 'error', error: new Error(text.signIn.empty) });
      return;
    }
    setState({ status: 'checking' });
    try {
      await signIn(pasted);
      signInReason.value = undefined;
    } catch (error) {
      setState({ status: 'error', error });
    }
  }

  return (
    <main class="page narrow">
      <form class="card sign-in" onSubmit={submit}>
        <h1>{text.signIn.title}</h1>
        <p class="muted">{text.signIn.lead}</p>
        {signInReason.value && state.status !== 'error' && <ErrorState error={Object.assign(new Error(signInReason.value), { code: 'UNAUTHENTICATED' })} />}
        <label>
          <span>{text.signIn.token}</span>
          <textarea name="token" rows={5} spellcheck={false} autocomplete="off" placeholder={text.signIn.placeholder} value={pasted} onInput={(event) => setPasted((event.target as HTMLTextAreaElement).value)} />
        </label>
        {state.status === 'error' && <ErrorState error={state.error} />}
        <button type="submit" disabled={state.status === 'checking'}>
          {state.status === 'checking' ? text.signIn.checking : text.signIn.submit}
        </button>
      </form>
    </main>
  );
}
