// The read-only viewer bundle (version pages, diffs). Exposed as window.HotlineViewer.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import zhModule from './i18n-zh.js';

export function createViewer(canvas) {
  return new NavigatedViewer({
    container: canvas,
    additionalModules: [zhModule],
    moddleExtensions: { camunda: camundaModdle },
  });
}
