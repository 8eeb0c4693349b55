// The modeller bundle: bpmn-js with the Camunda 7 properties panel, so formKey, formData and
// camunda:properties (unit, due, status) are editable. Exposed as window.HotlineModeler.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import zhModule from './i18n-zh.js';

export function createModeler(canvas, propertiesParent) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: propertiesParent },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      zhModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
}
