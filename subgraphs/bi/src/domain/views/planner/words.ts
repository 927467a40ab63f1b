import type { ChartType } from '../../../db/schema.ts';
import type { RelativePeriod } from '../../metrics/ranges.ts';
import type { Grouping, Metric } from './lexicon.ts';

export type Language = 'EN' | 'KO';

/** How a view describes itself, in the asker's language. */
export const WORDS = {
  EN: {
    metric: {
      COUNT: 'Judgments',
      SUCCEEDED_COUNT: 'Succeeded judgments',
      FAILED_COUNT: 'Failed judgments',
      SUCCESS_RATE: 'Success rate',
      FAILURE_RATE: 'Failure rate',
      AVERAGE_CONFIDENCE: 'Average confidence',
      AVERAGE_DURATION: 'Average execution time',
      P95_DURATION: 'p95 execution time',
      METHOD_MIX: 'Method mix',
      DECISION_MIX: 'Decision mix',
      FEEDBACK_ACCURACY: 'Feedback accuracy',
    } satisfies Record<Metric, string>,
    grouping: { METHOD: 'by method', WORKFLOW: 'by workflow', DECISION: 'by decision', HOUR: 'by hour', DAY: 'by day' } satisfies Record<Grouping, string>,
    period: { TODAY: 'today', YESTERDAY: 'yesterday', THIS_WEEK: 'this week', LAST_WEEK: 'last week', THIS_MONTH: 'this month', LAST_MONTH: 'last month' } satisfies Record<RelativePeriod, string>,
    lastHours: (hours: number) => (hours === 1 ? 'the last hour' : `the last ${hours} hours`),
    lastDays: (days: number) => (days === 1 ? 'the last day' : `the last ${days} days`),
    chart: { BAR: 'bar chart', LINE: 'line chart', PIE: 'pie chart', GAUGE: 'gauge', KPI: 'KPI' } satisfies Record<ChartType, string>,
    workflow: (name: string) => `workflow “${name}”`,
    allWorkflows: 'all workflows',
    defaultRange: 'No range was named: showing the last 7 days.',
    understood: 'Understood',
    notUnderstood: 'Could not make a chart of this',
    noMetric: 'which metric to show (for example success rate, judgment count, average confidence, p95 execution time, decision mix, feedback accuracy)',
    unknownWorkflow: (name: string) => `There is no workflow named “${name}” in your tenant.`,
    nothing: 'nothing that names a metric, a range or a grouping',
    readOnly: 'a view only reads metrics; it cannot change, delete or set aside anything, and it sees only your tenant',
    alsoNamed: (names: string[]) => `Only one metric per view: showing the first named; also named: ${names.join(', ')}.`,
    chartSwapped: (asked: string, drawn: string) => `A ${asked} cannot show this shape of data; drawn as a ${drawn}.`,
    notSplit: (metric: string, grouping: string) => `${metric} cannot be split ${grouping}: ${grouping === 'by decision' ? 'only succeeded judgments have a decision' : 'feedback and deliveries are recorded per workflow, not per method'}.`,
    timeAxis: 'Time',
  },
  KO: {
    metric: {
      COUNT: '판단 건수',
      SUCCEEDED_COUNT: '성공 건수',
      FAILED_COUNT: '실패 건수',
      SUCCESS_RATE: '성공률',
      FAILURE_RATE: '실패율',
      AVERAGE_CONFIDENCE: '평균 신뢰도',
      AVERAGE_DURATION: '평균 실행 시간',
      P95_DURATION: 'p95 실행 시간',
      METHOD_MIX: '판단 방식 비율',
      DECISION_MIX: '결정 분포',
      FEEDBACK_ACCURACY: '피드백 정확도',
    } satisfies Record<Metric, string>,
    grouping: { METHOD: '방식별', WORKFLOW: '워크플로별', DECISION: '결정별', HOUR: '시간별', DAY: '일별' } satisfies Record<Grouping, string>,
    period: { TODAY: '오늘', YESTERDAY: '어제', THIS_WEEK: '이번 주', LAST_WEEK: '지난 주', THIS_MONTH: '이번 달', LAST_MONTH: '지난 달' } satisfies Record<RelativePeriod, string>,
    lastHours: (hours: number) => `최근 ${hours}시간`,
    lastDays: (days: number) => `최근 ${days}일`,
    chart: { BAR: '막대 차트', LINE: '선 차트', PIE: '파이 차트', GAUGE: '게이지', KPI: 'KPI' } satisfies Record<ChartType, string>,
    workflow: (name: string) => `워크플로 “${name}”`,
    allWorkflows: '전체 워크플로',
    defaultRange: '기간이 없어 최근 7일을 보여줍니다.',
    understood: '이해한 내용',
    notUnderstood: '차트로 만들 수 없습니다',
    noMetric: '어떤 지표를 볼지 (예: 성공률, 판단 건수, 평균 신뢰도, p95 실행 시간, 결정 분포, 피드백 정확도)',
    unknownWorkflow: (name: string) => `이 테넌트에는 “${name}” 워크플로가 없습니다.`,
    nothing: '지표, 기간, 묶음 기준을 찾지 못했습니다',
    readOnly: '뷰는 지표를 읽기만 합니다: 무엇을 바꾸거나 지우거나 규칙을 무시할 수 없고, 내 테넌트만 봅니다',
    alsoNamed: (names: string[]) => `뷰 하나에는 지표 하나만 보여 줍니다: 처음 말한 지표를 보여 주며, 함께 말한 지표: ${names.join(', ')}.`,
    chartSwapped: (asked: string, drawn: string) => `${asked}로는 이 데이터를 보여 줄 수 없어 ${drawn}로 그렸습니다.`,
    notSplit: (metric: string, grouping: string) => `${metric}은(는) ${grouping}로 나눌 수 없습니다: ${grouping === '결정별' ? '결정은 성공한 판단에만 있습니다' : '피드백과 전달 결과는 방식이 아니라 워크플로 단위로 기록됩니다'}.`,
    timeAxis: '시간',
  },
} as const;

/** What to try when a prompt could not be read: prompts the planner does read. */
export const EXAMPLES: Record<Language, string[]> = {
  EN: ['success rate by day last week', 'average confidence by method this month', 'p95 execution time by hour today', 'decision mix for the "Line 3 QC" workflow as a pie', 'judgments by workflow in the last 24 hours'],
  KO: ['지난 주 일별 성공률 차트', '이번 달 방식별 평균 신뢰도', '오늘 시간별 p95 실행 시간', '"라인3 품질" 워크플로 결정 분포 파이 차트', '최근 24시간 워크플로별 판단 건수'],
};
