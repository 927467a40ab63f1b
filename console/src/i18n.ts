import { signal } from '@preact/signals';

export type Language = 'en' | 'ko';

const en = {
  product: 'Judgify',
  nav: { dashboards: 'Dashboards', live: 'Live judgments', explorer: 'Explorer' },
  language: '한국어',
  signIn: {
    title: 'Sign in',
    lead: 'This gateway verifies tokens. Paste a JWT issued for you; it is kept only in this browser tab and forgotten when the tab closes.',
    token: 'Token',
    placeholder: 'eyJhbGciOi…',
    submit: 'Sign in',
    checking: 'Checking…',
    empty: 'Paste a token first.',
    signOut: 'Sign out',
    devMode: 'Development identity: user "dev", tenant "dev", admin.',
    signedInAs: (user: string, tenant: string, roles: string) => `${user} · tenant ${tenant} · ${roles}`,
  },
  states: { loading: 'Loading…', retry: 'Try again', live: 'Live' },
  dashboards: {
    title: 'Dashboards',
    lead: 'Saved sets of views over your judgments, updated live as judgments complete.',
    empty: 'No dashboards yet. Create one, then add views to it from a prompt.',
    newName: 'New dashboard name',
    create: 'Create',
    views: (count: number) => (count === 1 ? '1 view' : `${count} views`),
    updated: 'Updated',
    back: 'All dashboards',
    noViews: 'This dashboard has no views yet. Describe one above and save it here.',
    notFound: 'This dashboard does not exist, or it is not yours to see.',
    remove: 'Remove',
    viewFailed: 'This view’s query failed',
  },
  prompt: {
    title: 'Ask for a view',
    placeholder: 'e.g. success rate by day last week · 지난 주 성공률 차트 보여줘',
    submit: 'Generate',
    generating: 'Generating…',
    interpretation: 'Understood as',
    saveTo: 'Save to',
    save: 'Save view',
    saved: 'Saved.',
    noChart: 'No chart for this prompt.',
    tryThese: 'Try one of these:',
    source: { PLANNER: 'embedded planner', LLM: 'LLM' },
  },
  live: {
    title: 'Live judgments',
    lead: 'Judgments of the chosen workflow as they complete, and a form to run one.',
    workflow: 'Workflow',
    allWorkflows: 'All workflows',
    noWorkflows: 'No workflows yet: create one in the Explorer (its first tab is the example).',
    waiting: 'Waiting for judgments… run one below or through the API.',
    run: 'Run a judgment',
    pickWorkflow: 'Choose a workflow to run a judgment.',
    noFields: 'This workflow’s rules read no fields: send any JSON object.',
    inputJson: 'Input data (JSON)',
    method: 'Method',
    submit: 'Run',
    running: 'Running…',
    badNumber: (field: string) => `${field}: enter a number, true/false or text.`,
    badJson: (reason: string) => `Input data is not a JSON object: ${reason}`,
    result: (decision: string, confidence: string, method: string) => `Decided ${decision} (confidence ${confidence}, ${method}).`,
    columns: { time: 'Time', workflow: 'Workflow', decision: 'Decision', confidence: 'Confidence', method: 'Method', explanation: 'Explanation' },
  },
  explorer: {
    title: 'Explorer',
    lead: 'GraphiQL on the supergraph. Its first tabs walk through the spec’s example workflow; subscriptions run over WebSocket.',
    tokenHint: 'This gateway verifies tokens: paste yours into the Authorization header of the Headers tab.',
    copyHeaders: 'Copy headers with my token',
    copied: 'Copied.',
    openFull: 'Open full screen',
  },
};

export type Messages = typeof en;

const ko: Messages = {
  product: 'Judgify',
  nav: { dashboards: '대시보드', live: '실시간 판단', explorer: '탐색기' },
  language: 'English',
  signIn: {
    title: '로그인',
    lead: '이 게이트웨이는 토큰을 검증합니다. 발급받은 JWT를 붙여 넣으세요. 토큰은 이 브라우저 탭에만 보관되고 탭을 닫으면 지워집니다.',
    token: '토큰',
    placeholder: 'eyJhbGciOi…',
    submit: '로그인',
    checking: '확인 중…',
    empty: '먼저 토큰을 붙여 넣으세요.',
    signOut: '로그아웃',
    devMode: '개발용 신원: 사용자 "dev", 테넌트 "dev", 관리자.',
    signedInAs: (user, tenant, roles) => `${user} · 테넌트 ${tenant} · ${roles}`,
  },
  states: { loading: '불러오는 중…', retry: '다시 시도', live: '실시간' },
  dashboards: {
    title: '대시보드',
    lead: '판단 결과를 보여 주는 뷰 모음입니다. 판단이 끝날 때마다 실시간으로 갱신됩니다.',
    empty: '아직 대시보드가 없습니다. 하나 만든 뒤 프롬프트로 뷰를 추가하세요.',
    newName: '새 대시보드 이름',
    create: '만들기',
    views: (count) => `뷰 ${count}개`,
    updated: '수정',
    back: '모든 대시보드',
    noViews: '아직 뷰가 없습니다. 위에서 원하는 뷰를 설명하고 여기에 저장하세요.',
    notFound: '이 대시보드가 없거나 볼 권한이 없습니다.',
    remove: '삭제',
    viewFailed: '이 뷰의 쿼리가 실패했습니다',
  },
  prompt: {
    title: '뷰 요청',
    placeholder: '예: 지난 주 성공률 차트 보여줘 · success rate by day last week',
    submit: '생성',
    generating: '생성 중…',
    interpretation: '이해한 내용',
    saveTo: '저장할 대시보드',
    save: '뷰 저장',
    saved: '저장했습니다.',
    noChart: '이 요청으로는 차트를 만들 수 없습니다.',
    tryThese: '이렇게 물어보세요:',
    source: { PLANNER: '내장 플래너', LLM: 'LLM' },
  },
  live: {
    title: '실시간 판단',
    lead: '선택한 워크플로의 판단 결과가 끝나는 대로 표시됩니다. 아래 양식으로 직접 판단을 실행할 수도 있습니다.',
    workflow: '워크플로',
    allWorkflows: '모든 워크플로',
    noWorkflows: '아직 워크플로가 없습니다. 탐색기에서 만드세요(첫 번째 탭이 예제입니다).',
    waiting: '판단을 기다리는 중… 아래에서 실행하거나 API로 실행하세요.',
    run: '판단 실행',
    pickWorkflow: '판단을 실행할 워크플로를 선택하세요.',
    noFields: '이 워크플로의 규칙은 입력 필드를 읽지 않습니다. 아무 JSON 객체나 보내세요.',
    inputJson: '입력 데이터(JSON)',
    method: '방식',
    submit: '실행',
    running: '실행 중…',
    badNumber: (field) => `${field}: 숫자, true/false 또는 텍스트를 입력하세요.`,
    badJson: (reason) => `입력 데이터가 JSON 객체가 아닙니다: ${reason}`,
    result: (decision, confidence, method) => `판단 결과 ${decision} (신뢰도 ${confidence}, ${method}).`,
    columns: { time: '시각', workflow: '워크플로', decision: '결정', confidence: '신뢰도', method: '방식', explanation: '설명' },
  },
  explorer: {
    title: '탐색기',
    lead: '슈퍼그래프용 GraphiQL입니다. 첫 탭들은 명세의 예제 워크플로를 따라가며, 구독은 WebSocket으로 실행됩니다.',
    tokenHint: '이 게이트웨이는 토큰을 검증합니다. Headers 탭의 Authorization 헤더에 토큰을 붙여 넣으세요.',
    copyHeaders: '내 토큰으로 헤더 복사',
    copied: '복사했습니다.',
    openFull: '전체 화면으로 열기',
  },
};

const LANGUAGE_KEY = 'judgify.language';
const stored = localStorage.getItem(LANGUAGE_KEY);
const initial: Language = stored === 'ko' || stored === 'en' ? stored : navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';

export const language = signal<Language>(initial);
export const messages = (which: Language = language.value): Messages => (which === 'ko' ? ko : en);

export function setLanguage(next: Language): void {
  localStorage.setItem(LANGUAGE_KEY, next);
  document.documentElement.lang = next;
  language.value = next;
}
document.documentElement.lang = initial;
