"""Read the elements of BPMN files as plain records (id, kind, Chinese name, process, file, line, properties).

Validation names elements by these records, the diff compares them property by property, migration judges by
element id, and the modeller's condition builder lists the variables an element can see. The XML has already
passed ``safexml.check_safe_xml``; it is parsed again here without entities or network access.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

# What each BPMN element kind is called in Chinese (the modeller's labels).
KIND_LABELS = {
    "userTask": "用户任务", "task": "任务", "scriptTask": "脚本任务", "serviceTask": "服务任务",
    "sendTask": "发送任务", "receiveTask": "接收任务", "manualTask": "手工任务", "businessRuleTask": "业务规则任务",
    "callActivity": "调用活动", "subProcess": "子流程", "transaction": "事务子流程",
    "exclusiveGateway": "排他网关", "parallelGateway": "并行网关", "inclusiveGateway": "包容网关",
    "eventBasedGateway": "事件网关", "complexGateway": "复杂网关",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件",
    "sequenceFlow": "顺序流", "lane": "泳道", "process": "流程", "participant": "参与者",
    "dataObjectReference": "数据对象", "dataStoreReference": "数据存储", "textAnnotation": "文字注释",
}
FLOW_NODES = {k for k in KIND_LABELS if k not in {"sequenceFlow", "lane", "process", "participant",
                                                  "dataObjectReference", "dataStoreReference", "textAnnotation"}}
TASKS = {"userTask", "task", "scriptTask", "serviceTask", "sendTask", "receiveTask", "manualTask",
         "businessRuleTask", "callActivity", "subProcess"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}


@dataclass
class Element:
    """One BPMN element as the process owner sees it."""

    id: str
    kind: str
    name: str | None
    process: str | None
    file: str
    line: int | None
    props: dict[str, str] = field(default_factory=dict)
    fields: list[dict] = field(default_factory=list)   # camunda:formField: id, label, type, values [(id, name)]
    incoming: list[str] = field(default_factory=list)  # sequence flow ids
    outgoing: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "元素")


@dataclass
class Model:
    """Every element of a set of files, by id, and the processes they belong to."""

    elements: dict[str, Element] = field(default_factory=dict)
    processes: dict[str, Element] = field(default_factory=dict)

    def get(self, element_id: str | None) -> Element | None:
        if not element_id:
            return None
        return self.elements.get(element_id) or self.processes.get(element_id)

    def label(self, element_id: str | None) -> str:
        """The element as a message names it: 「受理审查」（decide_scope）, or its kind and id when unnamed."""
        el = self.get(element_id)
        if el is None:
            return f"（{element_id}）" if element_id else "流程图"
        return describe(el, self)

    def in_process(self, process_id: str) -> list[Element]:
        return [e for e in self.elements.values() if e.process == process_id]


def describe(el: Element, model: Model | None = None) -> str:
    """「名称」（id）; an unnamed flow is named by its ends, any other unnamed element by its kind."""
    if el.name:
        return f"{'顺序流' if el.kind == 'sequenceFlow' else ''}「{el.name}」（{el.id}）"
    if el.kind == "sequenceFlow" and model is not None:
        src, dst = model.get(el.props.get("source")), model.get(el.props.get("target"))
        if src is not None and dst is not None:
            return f"从{_short(src)}到{_short(dst)}的顺序流（{el.id}）"
    return f"未命名的{el.kind_label}（{el.id}）"


def _short(el: Element) -> str:
    return f"「{el.name}」" if el.name else f"{el.kind_label}（{el.id}）"


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(node) -> str:
    return (node.text or "").strip() if node is not None else ""


def read_model(files: dict[str, bytes]) -> Model:
    """All elements of all files; a file that does not parse contributes nothing (validation reports it)."""
    model = Model()
    for name, xml in files.items():
        try:
            root = etree.fromstring(xml, _PARSER)
        except etree.XMLSyntaxError:
            continue
        for proc in root.iter(f"{{{BPMN_NS}}}process"):
            pid = proc.get("id") or ""
            model.processes[pid] = Element(pid, "process", proc.get("name"), pid, name, proc.sourceline,
                                           {"executable": proc.get("isExecutable") or ""})
            _read_process(proc, pid, name, model)
        for part in root.iter(f"{{{BPMN_NS}}}participant"):
            pid = part.get("processRef")
            if pid in model.processes and not model.processes[pid].name and part.get("name"):
                model.processes[pid].name = part.get("name")
    return model


def _read_process(proc, pid: str, file: str, model: Model) -> None:
    lanes: dict[str, str] = {}
    for lane in proc.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[_text(ref)] = lane.get("name") or ""
    for node in proc.iter():
        kind = _local(node.tag)
        if etree.QName(node.tag).namespace != BPMN_NS or (kind not in FLOW_NODES and kind not in {
                "sequenceFlow", "lane"}):
            continue
        el = Element(node.get("id") or "", kind, node.get("name") or None, pid, file, node.sourceline)
        doc = node.find(f"{{{BPMN_NS}}}documentation")
        props = el.props
        if _text(doc):
            props["documentation"] = _text(doc)
        if kind == "sequenceFlow":
            props["source"], props["target"] = node.get("sourceRef") or "", node.get("targetRef") or ""
            cond = node.find(f"{{{BPMN_NS}}}conditionExpression")
            if cond is not None:
                props["condition"] = _text(cond)
                lang = cond.get("language")
                if lang:
                    props["condition_language"] = lang
        elif kind in FLOW_NODES:
            if el.id in lanes:
                props["lane"] = lanes[el.id]
            el.incoming = [_text(n) for n in node.findall(f"{{{BPMN_NS}}}incoming")]
            el.outgoing = [_text(n) for n in node.findall(f"{{{BPMN_NS}}}outgoing")]
            _read_node(node, kind, el)
        model.elements[el.id] = el


def _read_node(node, kind: str, el: Element) -> None:
    props = el.props
    for attr in ("formKey", "class", "delegateExpression", "expression", "topic", "type", "assignee",
                 "candidateGroups", "candidateUsers", "dueDate", "followUpDate", "priority", "asyncBefore",
                 "asyncAfter", "resultVariable", "decisionRef", "initiator", "formRef"):
        value = node.get(f"{{{CAMUNDA_NS}}}{attr}")
        if value:
            props["form_key" if attr == "formKey" else attr] = value
    if node.get("default"):
        props["default"] = node.get("default")
    if kind == "scriptTask":
        props["script"] = _text(node.find(f"{{{BPMN_NS}}}script"))
        props["script_format"] = node.get("scriptFormat") or ""
    if kind == "callActivity":
        props["called"] = node.get("calledElement") or ""
    ext = node.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is not None:
        for prop in ext.iter(f"{{{CAMUNDA_NS}}}property"):
            if prop.get("name"):
                props[f"property:{prop.get('name')}"] = prop.get("value") or ""
        for f in ext.iter(f"{{{CAMUNDA_NS}}}formField"):
            el.fields.append({"id": f.get("id") or "", "label": f.get("label") or "", "type": f.get("type") or "",
                              "values": [(v.get("id") or "", v.get("name") or "")
                                         for v in f.findall(f"{{{CAMUNDA_NS}}}value")]})
        for child in ext.iter():
            local = _local(child.tag)
            if etree.QName(child.tag).namespace == CAMUNDA_NS and local in {
                    "taskListener", "executionListener", "inputOutput", "connector", "field", "in", "out"}:
                props.setdefault(f"camunda:{local}", "1")
    if el.fields:
        props["fields"] = "；".join(f"{f['label'] or f['id']}（{f['id']}，{f['type']}）" for f in el.fields)
    loop = node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
    if loop is not None:
        props["collection"] = loop.get(f"{{{CAMUNDA_NS}}}collection") or ""
        props["element_variable"] = loop.get(f"{{{CAMUNDA_NS}}}elementVariable") or ""
    for definition in node:
        local = _local(definition.tag)
        if local.endswith("EventDefinition"):
            props["event"] = local[: -len("EventDefinition")]
            for part in ("timeDate", "timeDuration", "timeCycle"):
                expr = definition.find(f"{{{BPMN_NS}}}{part}")
                if expr is not None:
                    props["timer"] = part
                    props["timer_expression"] = _text(expr)
            cond = definition.find(f"{{{BPMN_NS}}}condition")
            if cond is not None:
                props["event_condition"] = _text(cond)
    if kind == "boundaryEvent":
        props["attached_to"] = node.get("attachedToRef") or ""


def flows(model: Model, process_id: str | None = None) -> list[Element]:
    return [e for e in model.elements.values() if e.kind == "sequenceFlow"
            and (process_id is None or e.process == process_id)]


def upstream(model: Model, element_id: str) -> set[str]:
    """Ids of every flow node from which ``element_id`` can be reached (itself excluded unless in a loop)."""
    preds: dict[str, set[str]] = {}
    for f in flows(model):
        preds.setdefault(f.props.get("target", ""), set()).add(f.props.get("source", ""))
    for el in model.elements.values():  # a boundary event follows the activity it is attached to
        if el.kind == "boundaryEvent" and el.props.get("attached_to"):
            preds.setdefault(el.id, set()).add(el.props["attached_to"])
    seen: set[str] = set()
    todo = list(preds.get(element_id, ()))
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(preds.get(node, ()))
    return seen
