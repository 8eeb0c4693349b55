"""The OpenAPI description of the attachment endpoints (``web/api/attachments.py``), kept apart as plain data so it
moves unchanged into whatever writes the rest of the API's schema.

``PATHS`` is merged into the paths of ``openapi_document()``; ``SCHEMAS`` into its component schemas.
"""
from __future__ import annotations

ATTACHMENT = {"type": "object",
              "description": "一个附件（按角色脱敏：诉求人提供的材料对无权查看的角色隐藏，token 与 url 为 null）",
              "properties": {
                  "token": {"type": ["string", "null"], "description": "随机令牌，附件地址中唯一的标识"},
                  "url": {"type": ["string", "null"], "description": "下载地址（须携带访问令牌）"},
                  "hidden": {"type": "boolean"}, "name": {"type": "string"},
                  "kind": {"type": "string", "enum": ["image", "pdf", "office"]}, "mime": {"type": "string"},
                  "size": {"type": "integer"},
                  "action": {"type": "string", "description": "添加附件的办理环节（审计动作）"},
                  "step_label": {"type": "string"}, "slot": {"type": "string", "enum": ["file", "scan"]},
                  "origin": {"type": "string", "enum": ["citizen", "unit", "office"]},
                  "public": {"type": "boolean", "description": "是否已向诉求人和公众公开"},
                  "location": {"type": ["string", "null"], "description": "上传人自愿填写的地点；照片自带定位不保存"},
                  "added_by": {"type": "string"}, "added_at": {"type": "string", "format": "date-time"}}}

_FILES = {"type": "array", "items": {"type": "string", "format": "binary"}}


def _multipart(data_description: str, *, scan: bool = False, public: bool = False) -> dict:
    props = {"data": {"type": "string", "contentMediaType": "application/json", "description": data_description},
             "attachments": {**_FILES, "description": "附件：图片、PDF、常用办公文档，按内容识别类型"},
             "attachment_location": {"type": "string", "maxLength": 255, "description": "拍摄地点（自愿填写）"}}
    if scan:
        props["explanation_scan"] = {**_FILES, "description": "书面说明扫描件（签字盖章），仅督办答复"}
    if public:
        props["attachments_public"] = {"type": "string", "enum": ["true", "false"],
                                       "description": "向诉求人公开（单位和热线办上传的附件）"}
    return {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["data"], "properties": props}}}}


_ERR = {"description": "附件类型、大小或数量不符时为 400 attachment_refused，fields.attachments 为中文说明"}
_TID = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
_JSON = {"content": {"application/json": {"schema": {"type": "object"}}}}

PATHS = {
    "/api/v1/tickets/multipart": {"post": {
        "summary": "登记诉求并上传附件（任一渠道）",
        "requestBody": _multipart("与 POST /api/v1/tickets 相同的 JSON 对象"),
        "responses": {"201": {"description": "已登记；attachments 列出已保存的附件", **_JSON}, "400": _ERR}}},
    "/api/v1/tickets/{ticket_id}/tasks/{task_ref}/multipart": {"post": {
        "summary": "办理任务并上传附件（答复、退回、延期申请、协办意见、督办答复、联合审定会商、回访评价）",
        "parameters": [_TID, {"name": "task_ref", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _multipart("与 POST /api/v1/tickets/{ticket_id}/tasks/{task_ref} 相同的 JSON 对象", scan=True,
                                  public=True),
        "responses": {"200": {"description": "办理结果；attachments 为工单的全部附件", **_JSON}, "400": _ERR}}},
    "/api/v1/progress/evaluate/multipart": {"post": {
        "summary": "诉求人网上评价并上传照片", "security": [],
        "requestBody": _multipart("与 POST /api/v1/progress/evaluate 相同的 JSON 对象（含 number、code）"),
        "responses": {"200": {"description": "已评价", **_JSON}, "400": _ERR}}},
    "/api/v1/tickets/{ticket_id}/attachments": {"get": {
        "summary": "工单的附件（按单位范围，诉求人材料按角色脱敏）", "parameters": [_TID],
        "responses": {"200": {"description": "附件列表", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"attachments": {
                "type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}}}}}}}}},
    "/api/v1/attachments/{token}": {"get": {
        "summary": "下载附件（同工单的查看权限，每次下载记入查看记录）",
        "parameters": [_TOKEN, {"name": "thumb", "in": "query", "schema": {"type": "string", "enum": ["1"]},
                                "description": "图片缩略图"}],
        "responses": {"200": {"description": "附件内容", "content": {"*/*": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}},
                      "404": {"description": "不存在或不在本单位范围"}}}},
}
SCHEMAS = {"Attachment": ATTACHMENT}

# The refusals every endpoint can give besides its own: sign-in, permission, scope (another unit's ticket is "not
# found"), a task already done by someone else, too many attempts.
_REFUSALS = {"400": "请求有误", "401": "未登录或令牌已失效", "403": "无权办理", "404": "不存在或不在本单位范围",
             "409": "该任务已被处理或已失效", "429": "尝试次数过多，请稍后再试"}
_ERROR_JSON = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
for _path in PATHS.values():
    for _op in _path.values():
        for _code, _text in _REFUSALS.items():
            _op["responses"].setdefault(_code, {"description": _text, **_ERROR_JSON})
