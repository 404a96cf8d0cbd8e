// Tasks: list (by default only `lead` tasks, as Close does), create, update. Completing a task with
// PUT adds a TaskCompleted activity and points the task at it (`object_type: taskcompleted`).
import { fieldError, notFound, REQUIRED } from '../errors.js';
import { isoDate, type Obj, type TaskRecord } from '../store.js';
import { taskListOf, taskView } from '../views.js';
import { addActivity } from './activities.js';
import {
  bodyOf,
  dateFilter,
  newestFirst,
  page,
  parseDay,
  pickFields,
  requireContactOf,
  requireLead,
  requireUser,
} from './common.js';
import type { Ctx, Handler, HandlerMap } from './context.js';

function findTask(ctx: Ctx): TaskRecord {
  const t = ctx.store.state.tasks.get(ctx.params.task_id ?? '');
  if (!t) throw notFound('Task');
  return t;
}

const listTasks: Handler = (ctx) => {
  const q = ctx.query;
  const today = ctx.store.today();
  const type = q.string('_type') ?? (q.has('_type__in') ? undefined : 'lead');
  const types = q.list('_type__in');
  let tasks = [...ctx.store.state.tasks.values()].filter(
    (t) =>
      (!q.string('lead_id') || t.lead_id === q.string('lead_id')) &&
      (!q.string('assigned_to') || t.assigned_to === q.string('assigned_to')) &&
      (q.bool('is_complete') === undefined || t.is_complete === q.bool('is_complete')) &&
      (!q.string('view') || taskListOf(t, today) === q.string('view')) &&
      (type === undefined || type === 'all' || t._type === type) &&
      (!types || types.includes(t._type)) &&
      dateFilter(t.date, ctx, 'date'),
  );
  const order = q.string('_order_by') ?? '-date_created';
  const key = order.replace(/^-/, '') as 'date' | 'date_created';
  tasks = newestFirst(tasks).sort((a, b) => String(b[key] ?? '').localeCompare(String(a[key] ?? '')));
  if (!order.startsWith('-')) tasks.reverse();
  return { body: page(ctx, tasks, (t) => taskView(ctx.store, t)) };
};

const createTask: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  if (typeof b.lead_id !== 'string') throw fieldError('lead', REQUIRED);
  const lead = requireLead(store, b.lead_id);
  if (typeof b.date === 'string') parseDay(b.date, 'date');
  const t: TaskRecord = {
    id: store.id('task'),
    _type: typeof b._type === 'string' ? b._type : 'lead',
    lead_id: lead.id,
    contact_id: typeof b.contact_id === 'string' ? requireContactOf(store, b.contact_id, lead.id).id : null,
    assigned_to:
      typeof b.assigned_to === 'string' ? requireUser(store, b.assigned_to, 'assigned_to') : store.state.meId,
    text: typeof b.text === 'string' ? b.text : '',
    date: typeof b.date === 'string' ? b.date : isoDate(store.now()),
    is_dateless: typeof b.date !== 'string',
    is_complete: b.is_complete === true,
    object_type: null,
    object_id: null,
    ...store.created(),
  };
  store.add('tasks', t);
  store.emit(ctx, {
    objectType: 'task.lead',
    objectId: t.id,
    action: 'created',
    leadId: lead.id,
    data: taskView(store, t),
  });
  return { body: pickFields(taskView(store, t), ctx.query.list('_fields')) };
};

const updateTask: Handler = (ctx) => {
  const { store } = ctx;
  const t = findTask(ctx);
  const b = bodyOf(ctx);
  const changed: string[] = [];
  const previous: Obj = {};
  // Everything that can fail is checked before anything is written (a 400 leaves no trace).
  const assignedTo = typeof b.assigned_to === 'string' ? requireUser(store, b.assigned_to, 'assigned_to') : undefined;
  // Close lets the text of plain to-dos (`lead` tasks) be changed, not that of notification tasks.
  if (typeof b.text === 'string' && t._type !== 'lead')
    throw fieldError('text', 'Only the text of lead tasks can be changed.');
  const newLead =
    typeof b.lead_id === 'string' && b.lead_id !== t.lead_id ? requireLead(store, b.lead_id).id : undefined;
  const contactId =
    typeof b.contact_id === 'string' ? requireContactOf(store, b.contact_id, newLead ?? t.lead_id).id : null;
  if (typeof b.date === 'string') parseDay(b.date, 'date');
  else if (typeof b.due_date === 'string') parseDay(b.due_date, 'due_date');
  const set = <K extends keyof TaskRecord>(k: K, v: TaskRecord[K]): void => {
    previous[k] = t[k];
    t[k] = v;
    changed.push(k);
  };
  if (assignedTo !== undefined) set('assigned_to', assignedTo);
  if (typeof b.text === 'string') set('text', b.text);
  const date = typeof b.date === 'string' ? b.date : typeof b.due_date === 'string' ? b.due_date : undefined;
  if (date !== undefined) {
    set('date', date);
    set('is_dateless', false);
  } else if (typeof b.is_dateless === 'boolean') set('is_dateless', b.is_dateless);
  if (newLead !== undefined) {
    previous.lead_id = t.lead_id;
    store.relink('tasks', t, newLead); // through the store: it keeps its index of tasks by lead
    changed.push('lead_id');
  }
  if ('contact_id' in b) set('contact_id', contactId);
  for (const k of ['priority', 'resolution'] as const) {
    if (k in b) {
      const record = t as unknown as Obj;
      previous[k] = record[k];
      record[k] = b[k];
      changed.push(k);
    }
  }
  let completed = false;
  if (typeof b.is_complete === 'boolean' && b.is_complete !== t.is_complete) {
    set('is_complete', b.is_complete);
    if (b.is_complete) {
      completed = true;
      const act = addActivity(ctx, 'TaskCompleted', t.lead_id, {
        task_id: t.id,
        task_text: t.text,
        task_assigned_to: t.assigned_to,
        task_assigned_to_name: store.userName(t.assigned_to) ?? '',
      });
      t.object_type = 'taskcompleted';
      t.object_id = act.id;
    } else {
      t.object_type = null;
      t.object_id = null;
    }
  }
  store.touch(t);
  store.emit(ctx, {
    objectType: 'task.lead',
    objectId: t.id,
    action: completed ? 'completed' : 'updated',
    leadId: t.lead_id,
    data: taskView(store, t),
    changed,
    previous,
  });
  return { body: pickFields(taskView(store, t), ctx.query.list('_fields')) };
};

export const taskHandlers = { listTasks, createTask, updateTask } satisfies Partial<HandlerMap>;
