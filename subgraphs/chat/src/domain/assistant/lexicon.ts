/** Korean and other common names of input fields, to map "온도 90" onto a rule's `temperature`. */
export const FIELD_SYNONYMS: Record<string, string[]> = {
  temperature: ['온도', 'temp', '기온', '열'],
  vibration: ['진동', 'vib'],
  pressure: ['압력', 'press'],
  humidity: ['습도', 'humid'],
  speed: ['속도', 'rpm'],
  voltage: ['전압', 'volt', 'volts'],
  current: ['전류', 'amps'],
  amount: ['금액', '액수', 'amt', '거래액'],
  score: ['점수'],
  age: ['나이', '연령'],
  weight: ['무게', '중량'],
  count: ['개수', '횟수'],
  level: ['레벨', '수위', '등급'],
  duration: ['시간', '기간'],
  price: ['가격'],
  quantity: ['수량', 'qty'],
  distance: ['거리'],
  noise: ['소음'],
  power: ['전력', '출력'],
};

export const INTENT_WORDS = {
  feedback: /\b(correct|incorrect|wrong|right call|right decision|mistaken|should (have been|be)|was a mistake|bad call|good call|feedback)\b|\b(was|were|is|got it) (right|correct|spot on)\b|맞(아|았|았어|았다|습니다|네)|정답|틀(렸|려|린)|잘못|오판|이어야|여야|였어야|이었어야|피드백|정확했/,
  explain: /\b(why|explain|reason|how come|what made|because of what)\b|왜|이유|설명(해|좀)|근거|어째서|무슨 근거/,
  run: /\b(run|judge|evaluate|check|test|try|what (happens|would happen|would it be|is the decision|decision)|what if|would it|decide)\b|판단(해|해줘|해 줘|해봐|하면)|돌려|실행(해|시켜)|평가|어떻게 (돼|되|될|나와|나오)|결과(는|가|를)? ?(뭐|어떻게)|이면|라면|일 때|일때/,
  view: /\b(chart|graph|plot|dashboard|trend|stats|statistics|success rate|failure rate|error rate|average|p95|latency|accuracy|how many|count|volume|breakdown|mix|distribution)\b|차트|그래프|대시보드|추이|추세|통계|성공률|실패율|평균|건수|몇 ?건|분포|비율|정확도|현황|시각화/,
  info: /\b(what does|what is|describe|tell me about|rules?|criteria|conditions?|how does|explain the workflow|workflow info|which fields)\b|무슨 규칙|어떤 규칙|규칙|기준|조건|뭐 하는|뭘 하는|무엇을|알려 ?줘|설명해 ?줘|소개/,
  help: /\b(help|hello|hi|hey|thanks|thank you|what can you do|who are you)\b|도움|도와|안녕|고마워|감사|뭘 할 수|무엇을 할 수|사용법/,
};

/** "the last one", "it", "방금 그거": the judgment the conversation is about. */
export const LAST_EXECUTION = /\b(last|latest|previous|most recent|that one|this one|it|that judg(e)?ment|this judg(e)?ment)\b|마지막|최근|방금|아까|그거|이거|그 판단|이 판단|직전/;

export const CORRECT_WORDS = /\b(correct|right)\b|맞(아|았|았어|았다|습니다|네)|정답|정확했/;
export const INCORRECT_WORDS = /\b(incorrect|wrong|mistaken|mistake|bad call|should (have been|be))\b|틀(렸|려|린)|잘못|오판|이어야|여야|였어야|이었어야/;

/** Asking to act as someone else or across tenants: refused whatever else the message says. */
export const IMPERSONATION = /\b(as (an? )?admin|act as|pretend (to be|you are)|ignore (all |the |your |previous )?(instructions|rules)|another tenant|other tenants?|all tenants|every tenant|system prompt|sudo|jailbreak)\b|관리자(로|처럼|권한)|다른 ?테넌트|모든 ?테넌트|전체 ?테넌트|지시(를|사항)? ?무시|규칙(을)? ?무시|시스템 ?프롬프트/;
