// The modeller bundle: bpmn-js with the Camunda 7 properties panel, so formKey, formData and camunda:properties
// (unit, due, status) are editable; trimmed to what the engine runs (hotline-modeling.js), with a minimap and the
// server's validation shown as lint markers on the canvas (lint.js). Exposed as window.HotlineModeler.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import minimapModule from 'diagram-js-minimap';

import hotlineModeling from './hotline-modeling.js';
import zhModule from './i18n-zh.js';
import { lintConfig, setProblems } from './lint.js';

export { setProblems };
export { untranslated } from './i18n-zh.js';

export function createModeler(canvas, propertiesParent) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: propertiesParent },
    linting: { bpmnlint: lintConfig, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      minimapModule,
      lintModule,
      hotlineModeling,
      zhModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
}
