/**
 * Kaltura API errors as the server builds them (`APIErrors::getErrorData`): each constant is
 * "CODE;ARG1,ARG2;template with @ARG1@". Args become a map of strings ("N/A" when the caller gave
 * none); with no declared args the server serializes an empty PHP array, i.e. JSON `[]`.
 * Templates are copied from kaltura/server `api_v3/lib/KalturaErrors.php`, `APIErrors.class.php` and
 * the caption plugin's `KalturaCaptionErrors.php` (KalturaErrors wins where both define a code).
 */
const TABLE = {
  // sessions and access
  INVALID_KS: 'INVALID_KS;KSID,ERR_CODE,ERR_DESC;Invalid KS "@KSID@", Error "@ERR_CODE@,@ERR_DESC@"',
  MISSING_KS: 'MISSING_KS;;Missing KS, session not established',
  SERVICE_FORBIDDEN: 'SERVICE_FORBIDDEN;SERVICE;The access to service [@SERVICE@] is forbidden',
  START_SESSION_ERROR: 'START_SESSION_ERROR;PID;Error while starting session for partner [@PID@]',
  INVALID_WIDGET_ID: 'INVALID_WIDGET_ID;WIDGET_ID;Unknown widget [@WIDGET_ID@]',
  APP_TOKEN_ID_NOT_FOUND: 'APP_TOKEN_ID_NOT_FOUND;ID;Application token id "@ID@" not found',
  APP_TOKEN_NOT_ACTIVE: 'APP_TOKEN_NOT_ACTIVE;ID;Application token id "@ID@" not active',
  APP_TOKEN_EXPIRED: 'APP_TOKEN_EXPIRED;ID;Application token id "@ID@" expired',
  INVALID_APP_TOKEN_HASH: 'INVALID_APP_TOKEN_HASH;;Invalid application token hash',
  // dispatching and validation
  SERVICE_NOT_SPECIFIED: 'SERVICE_NOT_SPECIFIED;;Service name was not specified, please specify one',
  ACTION_NOT_SPECIFIED: 'ACTION_NOT_SPECIFIED;;Action name was not specified, please specify one',
  SERVICE_DOES_NOT_EXISTS: 'SERVICE_DOES_NOT_EXISTS;SRV_NAME;Service "@SRV_NAME@" does not exists',
  ACTION_DOES_NOT_EXISTS: 'ACTION_DOES_NOT_EXISTS;ACTION_NAME,SERVICE_NAME;Action "@ACTION_NAME@" does not exists for service "@SERVICE_NAME@"',
  MISSING_MANDATORY_PARAMETER: 'MISSING_MANDATORY_PARAMETER;PARAM_NAME;Missing parameter "@PARAM_NAME@"',
  INVALID_OBJECT_TYPE: 'INVALID_OBJECT_TYPE;INVALID_OBJ_TYPE;Invalid object type "@INVALID_OBJ_TYPE@"',
  INVALID_ENUM_VALUE:
    'INVALID_ENUM_VALUE;ENUM_VAL,PARAM_NAME,ENUM_TYPE;Invalid enumeration value "@ENUM_VAL@" for parameter "@PARAM_NAME@", expecting enumeration type "@ENUM_TYPE@"',
  PROPERTY_VALIDATION_CANNOT_BE_NULL: 'PROPERTY_VALIDATION_CANNOT_BE_NULL;PROP_NAME;The property "@PROP_NAME@" cannot be null',
  PROPERTY_VALIDATION_MIN_LENGTH:
    'PROPERTY_VALIDATION_MIN_LENGTH;PROP_NAME,MIN_LEN;The property "@PROP_NAME@" must have a min length of @MIN_LEN@ characters',
  PROPERTY_VALIDATION_MAX_LENGTH:
    'PROPERTY_VALIDATION_MAX_LENGTH;PROP_NAME,MAX_LEN;The property "@PROP_NAME@" cannot have more than @MAX_LEN@ characters',
  PROPERTY_VALIDATION_NOT_UPDATABLE: 'PROPERTY_VALIDATION_NOT_UPDATABLE;PROP_NAME;The property "@PROP_NAME@" cannot be updated',
  INVALID_FIELD_VALUE: 'INVALID_FIELD_VALUE;FIELD_NAME;value in field [@FIELD_NAME@] is not valid',
  INTERNAL_SERVERL_ERROR: 'INTERNAL_SERVERL_ERROR;;Internal server error occurred',
  // entries
  ENTRY_ID_NOT_FOUND: 'ENTRY_ID_NOT_FOUND;ENTRY_ID;Entry id "@ENTRY_ID@" not found',
  ENTRY_ALREADY_WITH_CONTENT: 'ENTRY_ALREADY_WITH_CONTENT;;Entry already associated with content',
  RESOURCE_TYPE_NOT_SUPPORTED: 'RESOURCE_TYPE_NOT_SUPPORTED;RES_TYPE;Resource type "@RES_TYPE@" not supported',
  INVALID_OBJECT_ID: 'INVALID_OBJECT_ID;ID;Invalid object id [@ID@]',
  // categories
  CATEGORY_NOT_FOUND: 'CATEGORY_NOT_FOUND;ID;Category id "@ID@" not found',
  PARENT_CATEGORY_NOT_FOUND: 'PARENT_CATEGORY_NOT_FOUND;ID;Parent category id "@ID@" not found',
  DUPLICATE_CATEGORY: 'DUPLICATE_CATEGORY;CATEGORY;The category "@CATEGORY@" already exists',
  CATEGORY_NAME_CONTAINS_INVALID_CHARS: 'CATEGORY_NAME_CONTAINS_INVALID_CHARS;;Category name contains invalid chars.',
  INVALID_ENTRY_ID: 'INVALID_ENTRY_ID;ID;Invalid entry id ["@ID@"]',
  CATEGORY_ENTRY_ALREADY_EXISTS: 'CATEGORY_ENTRY_ALREADY_EXISTS;;Entry already assigned to this category',
  CANNOT_ASSIGN_ENTRY_TO_CATEGORY: 'CANNOT_ASSIGN_ENTRY_TO_CATEGORY;;Cannot assign entry to category',
  MAX_CATEGORIES_FOR_ENTRY_REACHED:
    'MAX_CATEGORIES_FOR_ENTRY_REACHED;CATEGORIES;Entry can be linked with a maximum of "@CATEGORIES@" categories',
  ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY: "ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY;;Entry doesn't assigned to category",
  MUST_FILTER_ON_ENTRY_OR_CATEGORY: 'MUST_FILTER_ON_ENTRY_OR_CATEGORY;;Must filter on entry id or category',
  // upload tokens
  UPLOAD_TOKEN_NOT_FOUND: 'UPLOAD_TOKEN_NOT_FOUND;;Upload token not found',
  UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD:
    'UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD;;Upload token is in an invalid status for uploading a file, maybe the file was already uploaded',
  UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY:
    'UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY;;Upload token is in an invalid status for adding entry, maybe the a file was not uploaded or the token was used',
  UPLOAD_TOKEN_CANNOT_RESUME: 'UPLOAD_TOKEN_CANNOT_RESUME;;Cannot resume the upload, original file was not found',
  UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE: 'UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE;;Failed to match expected file size',
  UPLOAD_TOKEN_MISSING_FILE_SIZE: 'UPLOAD_TOKEN_MISSING_FILE_SIZE;;FileSize is mandatory when enabling autoFinalize',
  UPLOAD_ERROR: 'UPLOAD_ERROR;;Upload failed',
  UPLOADED_FILE_NOT_FOUND_BY_TOKEN:
    'UPLOADED_FILE_NOT_FOUND_BY_TOKEN;;The uploaded file was not found by the given token id, or was already used',
  UPLOAD_PASSED_MAX_RESUME_TIME_ALLOWED:
    'UPLOAD_PASSED_MAX_RESUME_TIME_ALLOWED;MAX_RESUME_TIME;Max resume time of @MAX_RESUME_TIME@ seconds reached, cannot resume upload',
  // users and groups
  INVALID_USER_ID: 'INVALID_USER_ID;;Invalid user id',
  USER_NOT_FOUND: 'USER_NOT_FOUND;;User was not found',
  GROUP_NOT_FOUND: 'GROUP_NOT_FOUND;;Group was not found',
  GROUP_USER_ALREADY_EXISTS: 'GROUP_USER_ALREADY_EXISTS;;GroupUser already exists',
  // the constant is GROUP_USER_DOES_NOT_EXIST, the code on the wire has the trailing S
  GROUP_USER_DOES_NOT_EXIST: 'GROUP_USER_DOES_NOT_EXISTS;USER,GROUP;Invalid GroupUser for group ["@GROUP@"] and for user ["@USER@"]',
  DUPLICATE_USER_BY_ID: 'DUPLICATE_USER_BY_ID;UID;User with id [@UID@] already exists in system',
  USER_BLOCKED: 'USER_BLOCKED;;this user is blocked',
  CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION:
    'CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION;USER_ID;cannot retrieve another user "@USER_ID@" using non-admin session',
  // captions
  CAPTION_ASSET_ID_NOT_FOUND: 'CAPTION_ASSET_ID_NOT_FOUND;ASSET_ID;Caption asset id "@ASSET_ID@" not found',
  CAPTION_ASSET_ALREADY_EXISTS:
    'CAPTION_ASSET_ALREADY_EXISTS;ASSET_ID,PARAM_ID;Caption asset "@ASSET_ID@" already exists for params id "@PARAM_ID@"',
  CAPTION_ASSET_IS_NOT_READY: 'CAPTION_ASSET_IS_NOT_READY;ASSET_ID;Caption asset "@ASSET_ID@" is not ready',
} as const;

export type KalturaErrorCode = keyof typeof TABLE;

export interface KalturaErrorBody {
  code: string;
  message: string;
  objectType: 'KalturaAPIException';
  args: Record<string, string> | [];
}

/** Thrown by service handlers; the dispatcher turns it into the HTTP-200 exception body. */
export class KalturaApiError extends Error {
  readonly code: string;
  readonly args: Record<string, string> | [];

  constructor(code: string, message: string, args: Record<string, string> | []) {
    super(message);
    this.code = code;
    this.args = args;
  }

  toBody(): KalturaErrorBody {
    return { code: this.code, message: this.message, objectType: 'KalturaAPIException', args: this.args };
  }
}

export function apiError(code: KalturaErrorCode, ...values: Array<string | number | null | undefined>): KalturaApiError {
  // PHP's explode(';', $s, 3): the template keeps any further ';'
  const def: string = TABLE[code];
  const first = def.indexOf(';');
  const second = def.indexOf(';', first + 1);
  const names = def.slice(first + 1, second);
  const template = def.slice(second + 1);
  if (!names) return new KalturaApiError(code, template, []);
  const args: Record<string, string> = {};
  let message = template;
  names.split(',').forEach((name, i) => {
    const v = values[i];
    args[name] = v === undefined || v === null ? 'N/A' : String(v);
    message = message.split(`@${name}@`).join(args[name]);
  });
  return new KalturaApiError(code, message, args);
}

/** What the server sends for an exception that is not a KalturaAPIException. */
export function internalErrorBody(): KalturaErrorBody {
  return apiError('INTERNAL_SERVERL_ERROR').toBody();
}
