import type { ChartType } from '../../../db/schema.ts';

export const metrics = ['COUNT', 'SUCCEEDED_COUNT', 'FAILED_COUNT', 'SUCCESS_RATE', 'FAILURE_RATE', 'AVERAGE_CONFIDENCE', 'AVERAGE_DURATION', 'P95_DURATION', 'METHOD_MIX', 'DECISION_MIX', 'FEEDBACK_ACCURACY'] as const;
export type Metric = (typeof metrics)[number];

export const groupings = ['METHOD', 'WORKFLOW', 'DECISION', 'HOUR', 'DAY'] as const;
export type Grouping = (typeof groupings)[number];

/**
 * What names each metric, most specific first. Korean attaches particles to words, so Korean
 * patterns match inside words; English ones at word boundaries. The count's words are the weakest:
 * they name a metric only when nothing else does ("judgments by workflow").
 */
export const METRIC_WORDS: ReadonlyArray<readonly [Metric, RegExp]> = [
  ['P95_DURATION', /\bp ?95\b|\b95(th)?[ -]?(percentile|pct|%)|\btail latency|95 ?(퍼센타일|백분위|%)|상위 ?5 ?%/],
  ['AVERAGE_DURATION', /\b(execution|run|processing|response|judg(e)?ment) ?times?\b|\bduration|\blatenc|\bhow long\b|\bspeed\b|\bslow(er|est)?\b|실행 ?시간|처리 ?시간|응답 ?시간|소요 ?시간|판단 ?시간|걸린 ?시간|지연 ?시간|레이턴시|속도/],
  ['FAILURE_RATE', /\bfail(ures?|ed|s|ing)?\b|\berror ?rate|\berrors?\b|\bunsuccessful|실패|오류 ?(율|률|비율)|에러 ?(율|률|비율)|에러|오류/],
  ['SUCCESS_RATE', /\bsuccess(ful|es)?\b|\bsucceed(ed)?\b|\bpass ?rate\b|성공/],
  ['AVERAGE_CONFIDENCE', /\bconfiden(ce|t)|\bcertainty|\bsure\b|신뢰도|확신도|확신|컨피던스|신뢰 ?점수/],
  ['FEEDBACK_ACCURACY', /\baccura(cy|te)|\bcorrect(ness| rate| ratio)?\b|\bprecision\b|\bfeedback\b|정확도|정확성|정답률|정답율|피드백|맞은 ?비율|맞춘 ?비율/],
  ['METHOD_MIX', /\bmethods? (mix|used|breakdown|distribution|share|split|usage|ratio)|\b(decided|judged|answered|handled) by (the )?(llm|rules?|model)\b|\b(share|percentage|portion|fraction|proportion) of [\w ]{0,30}\bllm\b|\bllm\b[\w ]{0,20}\b(share|percentage|portion|fraction|proportion)\b|\b(mix|share|breakdown|distribution|split) of (judg(e)?ment )?methods|\bwhich methods?\b|\brules? (vs\.?|versus) llm|\bllm (vs\.?|versus) rules?|\bllm (share|usage|ratio|rate)|\bhow often (the )?llm|(판단 ?)?(방식|방법|메서드|메소드) ?(의 )?(비율|분포|비중|구성|점유율|사용 ?비율|믹스)|사용된 ?(판단 ?)?(방식|방법)|llm ?(비율|비중|사용률|사용 ?비율)|규칙 ?(대|vs\.?) ?llm/],
  ['DECISION_MIX', /\b(decisions?|outcomes?|verdicts?|results?) (mix|breakdown|distribution|share|split|ratio)|\b(mix|share|breakdown|distribution|split) of (the )?(decisions|outcomes|results)|\bwhat (was|were) (the )?decid|(결정|판정|판단 ?결과|결과) ?(의 )?(비율|분포|비중|구성|믹스)|어떤 ?결정/],
];

/** Words for how many judgments: the metric only when no other is named. */
export const COUNT_WORDS = /\bcount\b|\bnumber of\b|\bhow many\b|\bvolume\b|\btotals?\b|\bjudg(e)?ments?\b|\bexecutions?\b|\bruns\b|\bthroughput\b|건수|횟수|개수|몇 ?건|몇 ?번|몇 ?개|수량|처리량|판단량|총 ?(건|수|판단)|판단 ?(수|건)|실행 ?(수|건)|얼마나 ?많|판단/;

export const GROUPING_WORDS: ReadonlyArray<readonly [Grouping, RegExp]> = [
  ['METHOD', /\b(by|per|for each|each|across|split by|broken down by) (judg(e)?ment )?methods?\b|\bmethod by method\b|(판단 ?)?(방식|방법|메서드|메소드) ?별|(방식|방법)마다/],
  ['WORKFLOW', /\b(by|per|for each|each|across|split by|broken down by|for all|all|compare|comparing) (the )?workflows?\b|\b(top|busiest|which|most active|ranked) workflows?\b|\bworkflows? ranked\b|워크플로(우)? ?(순위|랭킹|비교)|상위 ?워크플로|\bworkflow by workflow\b|워크플로(우)? ?별|워크플로(우)?마다|각 ?워크플로|모든 ?워크플로|전체 ?워크플로(우)? ?(별|비교)/],
  ['DECISION', /\b(by|per|for each|each|across|split by|broken down by) (the )?(decisions?|outcomes?|verdicts?)\b|(결정|판정|결과|판단 ?결과) ?별|(결정|판정)마다/],
  ['HOUR', /\bhourly\b|\b(by|per|each|every) hour\b|\bhour by hour\b|시간 ?별|시간대 ?별|매 ?시간|시간 ?단위|1시간 ?간격|시간마다/],
  ['DAY', /\bdaily\b|\b(by|per|each|every) (day|date)\b|\bday by day\b|\bday over day\b|(?<!요)일 ?별|날짜 ?별|일자 ?별|매일|하루 ?단위|일 ?단위|날마다|일간 ?추이/],
];

/** A trend without a width: hours for a short range, days otherwise. */
export const TREND_WORDS = /\bover time\b|\btrends?\b|\btrending\b|\btime ?series\b|\bhistory\b|\bprogress(ion)?\b|\bevolution\b|추이|추세|변화|흐름|경향|트렌드|시계열/;

export const CHART_WORDS: ReadonlyArray<readonly [ChartType, RegExp]> = [
  ['PIE', /\bpie\b|\bdonut\b|\bdoughnut\b|파이|원형 ?(차트|그래프)|원 ?그래프|도넛/],
  ['GAUGE', /\bgauges?\b|\bdial\b|\bspeedometer\b|게이지|계기판/],
  ['KPI', /\bkpi\b|\bscorecard\b|\bbig number\b|\bsingle (number|value|figure)\b|\bheadline (number|figure)\b|\bjust the number\b|\bnumber only\b|\bstat card\b|\bas a number\b|숫자로|숫자만|수치로|수치만|단일 ?값|스코어 ?카드|지표 ?카드|kpi/],
  ['LINE', /\bline (chart|graph|plot)s?\b|\bas a line\b|\bline over\b|\bsparkline\b|\blines\b|선 ?(그래프|차트)|꺾은선|라인 ?(차트|그래프)/],
  ['BAR', /\bbars?\b( (chart|graph|plot))?|\bcolumn (chart|graph)\b|\bhistogram\b|막대|바 ?(차트|그래프)|컬럼 ?차트/],
];

/** Words asking for a picture without naming one: a trend over a multi-day range. */
export const CHART_ASKED = /\bchart\b|\bgraph\b|\bplot\b|\bvisuali[sz]e\b|차트|그래프|시각화/;

/** Words of a workflow reference, to find its name next to them. */
export const WORKFLOW_WORD = /\bworkflows?\b|워크플로(우)?/;

/** Asking for a change, or for the rules to be ignored: a view only ever reads, so no chart is made. */
export const ACTION_WORDS = /\b(delete|drop|remove|update|insert|truncate|mutation|mutate|disregard|bypass)\b|\bignore (the|all|any|previous|your)\b|\bact as\b|\bother tenants?\b|삭제|지워|지우|제거|수정해|변경해|바꿔|뮤테이션|무시하고|무시해|다른 ?테넌트|모든 ?테넌트|관리자 ?권한/;
