// What the process owner is offered in the modeller, trimmed to what this platform runs:
// - the palette and the context pad create user tasks (a plain task never waits for anyone here);
// - the change-type menu leaves out task and event kinds the engine does not run (send, receive, manual,
//   business-rule tasks; message, timer, signal and other events) — validation names them if a file brings them;
// - the properties panel leaves out Camunda settings the engine ignores (candidate groups, assignee, EL due dates,
//   listeners, async continuations, input/output and variable mappings, external tasks, Java implementations).
import { assign } from 'min-dash';

const HIDDEN_GROUPS = new Set([
  'CamundaPlatform__UserAssignment', 'CamundaPlatform__AsynchronousContinuations', 'CamundaPlatform__JobExecution',
  'CamundaPlatform__ExecutionListener', 'CamundaPlatform__TaskListener', 'CamundaPlatform__Input',
  'CamundaPlatform__Output', 'CamundaPlatform__ConnectorInput', 'CamundaPlatform__ConnectorOutput',
  'CamundaPlatform__FieldInjection', 'CamundaPlatform__ExternalTask', 'CamundaPlatform__Errors',
  'CamundaPlatform__Implementation', 'CamundaPlatform__InMapping', 'CamundaPlatform__OutMapping',
  'CamundaPlatform__InMappingPropagation', 'CamundaPlatform__OutMappingPropagation',
  'CamundaPlatform__HistoryCleanup', 'CamundaPlatform__Tasklist', 'CamundaPlatform__CandidateStarter',
  'CamundaPlatform__StartInitiator', 'CamundaPlatform__BusinessKey', 'CamundaPlatform__ProcessVariables',
  'timer', 'message', 'signal', 'escalation', 'error', 'compensation', 'link',
]);
// Entries of the properties panel's groups the engine ignores (kept groups, removed entries).
const HIDDEN_ENTRIES = new Set(['versionTag', 'isExecutable', 'taskPriority', 'jobPriority']);
const UNRUN = /(send-task|receive-task|manual-task|rule-task|service-task|message|timer|signal|escalation|error|compensation|conditional-(start|intermediate|boundary|catch)|link|cancel|complex|event-based|inclusive|transaction|ad-hoc|collapsed|non-interrupting)/;

function PaletteFilter(palette, create, elementFactory, translate) {
  this.getPaletteEntries = function() {
    return function(entries) {
      delete entries['create.task'];
      delete entries['create.data-object'];
      delete entries['create.data-store'];
      const out = {};
      Object.keys(entries).forEach((key) => {
        out[key] = entries[key];
        if (key === 'create.exclusive-gateway') {
          out['create.user-task'] = {
            group: 'activity',
            className: 'bpmn-icon-user-task',
            title: translate('Create user task'),
            action: {
              dragstart: (event) => create.start(event, elementFactory.createShape({ type: 'bpmn:UserTask' })),
              click: (event) => create.start(event, elementFactory.createShape({ type: 'bpmn:UserTask' })),
            },
          };
        }
      });
      return out;
    };
  };
  palette.registerProvider(500, this);
}
PaletteFilter.$inject = ['palette', 'create', 'elementFactory', 'translate'];

function ContextPadFilter(contextPad, create, elementFactory, translate, injector) {
  const autoPlace = injector.get('autoPlace', false);
  this.getContextPadEntries = function() {
    return function(entries) {
      if (entries['append.append-task']) {
        const shape = () => elementFactory.createShape({ type: 'bpmn:UserTask' });
        entries['append.append-task'] = assign({}, entries['append.append-task'], {
          className: 'bpmn-icon-user-task',
          title: translate('Append user task'),
          action: {
            dragstart: (event, element) => create.start(event, shape(), { source: element }),
            click: (event, element) => (autoPlace ? autoPlace.append(element, shape())
              : create.start(event, shape(), { source: element })),
          },
        });
      }
      ['append.receive-task', 'append.message-intermediate-event', 'append.timer-intermediate-event',
        'append.condition-intermediate-event', 'append.signal-intermediate-event', 'append.intermediate-event',
        'append.compensation-activity']
        .forEach((key) => { delete entries[key]; });
      return entries;
    };
  };
  contextPad.registerProvider(500, this);
}
ContextPadFilter.$inject = ['contextPad', 'create', 'elementFactory', 'translate', 'injector'];

function ReplaceMenuFilter(popupMenu) {
  this.getPopupMenuEntries = function() {
    return function(entries) {
      Object.keys(entries).forEach((key) => {
        if (!/-flow$/.test(key) && UNRUN.test(key)) { delete entries[key]; }
      });
      return entries;
    };
  };
  popupMenu.registerProvider('bpmn-replace', 500, this);
}
ReplaceMenuFilter.$inject = ['popupMenu'];

function PropertiesFilter(propertiesPanel) {
  this.getGroups = function() {
    return function(groups) {
      return groups.filter((g) => !HIDDEN_GROUPS.has(g.id)).map((g) => {
        if (g.entries) { g.entries = g.entries.filter((e) => !HIDDEN_ENTRIES.has(e.id)); }
        return g;
      });
    };
  };
  propertiesPanel.registerProvider(200, this);
}
PropertiesFilter.$inject = ['propertiesPanel'];

export default {
  __init__: ['hotlinePaletteFilter', 'hotlineContextPadFilter', 'hotlineReplaceMenuFilter',
    'hotlinePropertiesFilter'],
  hotlinePaletteFilter: ['type', PaletteFilter],
  hotlineContextPadFilter: ['type', ContextPadFilter],
  hotlineReplaceMenuFilter: ['type', ReplaceMenuFilter],
  hotlinePropertiesFilter: ['type', PropertiesFilter],
};
