/**
 * The parts of kaltura-client 21.20.0 this project uses. The package ships no typings (and there is
 * no @types package), so this is written from its source (KalturaClientBase.js, KalturaServices.js,
 * KalturaModel.js, KalturaTypes.js).
 *
 * Use the default import: `import kaltura from 'kaltura-client'`. The package is CommonJS and
 * assigns most exports onto an object Node cannot see statically, so named ESM imports (other than
 * `Client`) are undefined at run time.
 *
 * Facts the types encode:
 * - results are plain JSON (with `objectType`), never instances of `objects.*`; the object classes
 *   are declared here with their data fields only (the JS getters/setters are left out), so a
 *   result is assignable to them;
 * - nulls are dropped from requests; an API error rejects with a plain `APIException` object, not
 *   an Error; a transport error rejects with an AxiosError;
 * - enum-typed fields may come back as numbers or strings: compare with `String(x)`;
 * - silence the logger before `new Client(config)` with a plain object, or it prints secrets.
 */
declare module 'kaltura-client' {
  namespace kaltura {
    /** What an API error rejects with. `args` is `[]` when the error has no arguments. */
    interface APIException {
      code: string;
      message: string;
      objectType: 'KalturaAPIException';
      args: Record<string, string> | [];
    }

    interface Logger {
      log(msg: string): void;
      debug(msg: string): void;
      error(msg: string): void;
    }

    /** Logs every URL and request body (secrets and KS included) unless replaced; see setLogger. */
    class ILogger implements Logger {
      log(msg: string): void;
      debug(msg: string): void;
      error(msg: string): void;
    }

    class Configuration {
      constructor();
      /** default 'http://www.kaltura.com' */
      serviceUrl: string;
      /** '/api_v3/service' */
      serviceBase: string;
      /** axios timeout in ms, default 30000 */
      timeout: number;
      /** 'http://user:pass@host:port' */
      proxy?: string;
      agentOptions: unknown;
      /** Pass a plain object (not an ILogger) to turn logging off; call before `new Client(config)`. */
      setLogger(logger: Logger): void;
      getLogger(): Logger;
    }

    class RequestBuilder<T = unknown> {
      service: string;
      action: string;
      /** Sends the request; resolves with the result, rejects with an APIException or AxiosError. */
      execute(client: Client): Promise<T>;
      execute(client: Client, callback: (success: boolean, result: T | APIException | Error) => void): this;
      completion(callback: (success: boolean, result: T | APIException | Error) => void): this;
      /** Starts a multirequest with this request and another. */
      add(other: RequestBuilder<unknown>): MultiRequestBuilder;
      setSessionId(sessionId: string): this;
      setResponseProfile(profile: unknown): this;
    }

    /**
     * Resolves with one array element per request; failed elements are APIException objects. A
     * top-level error makes the client throw inside its own promise chain: the returned promise
     * never settles and the process sees an unhandled rejection.
     */
    class MultiRequestBuilder extends RequestBuilder<unknown[]> {
      add(other: RequestBuilder<unknown>): this;
    }

    class Client {
      constructor(config: Configuration);
      config: Configuration;
      getConfig(): Configuration;
      setConfig(config: Configuration): void;
      setKs(ks: string): this;
      getKs(): string | undefined;
      setSessionId(ks: string): this;
      /** impersonation: sent as the top-level partnerId of every request */
      setPartnerId(partnerId: number): this;
      getPartnerId(): number | undefined;
      setClientTag(tag: string): this;
      setApiVersion(version: string): this;
      setLanguage(language: string): this;
      startMultiRequest(): MultiRequestBuilder;
    }

    /** A list action's result. */
    interface ListResponse<T> {
      objects: T[];
      totalCount: number;
      objectType: string;
    }

    /** A Buffer is sent with filename "chunk"; a string is a path read whole with readFileSync. */
    type FileData = Buffer | string;

    namespace services {
      class session {
        /** Resolves with the KS string. */
        static start(
          secret: string,
          userId?: string,
          type?: number,
          partnerId?: number | null,
          expiry?: number,
          privileges?: string | null,
        ): RequestBuilder<string>;
        static startWidgetSession(widgetId: string, expiry?: number): RequestBuilder<objects.StartWidgetSessionResponse>;
        static get(session?: string | null): RequestBuilder<objects.SessionInfo>;
        static end(): RequestBuilder<null>;
      }

      class appToken {
        static add(appToken: objects.AppToken): RequestBuilder<objects.AppToken>;
        static get(id: string): RequestBuilder<objects.AppToken>;
        static listAction(filter?: objects.AppTokenFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.AppToken>>;
        static deleteAction(id: string): RequestBuilder<null>;
        /**
         * `tokenHash` = lowercase hex of hash(appToken.hashType, <the KS set on the client> + token);
         * call it with the widget session's KS set.
         */
        static startSession(
          id: string,
          tokenHash: string,
          userId?: string | null,
          type?: number | null,
          expiry?: number | null,
          sessionPrivileges?: string | null,
        ): RequestBuilder<objects.SessionInfo>;
      }

      class uploadToken {
        static add(uploadToken?: objects.UploadToken | null): RequestBuilder<objects.UploadToken>;
        static upload(
          uploadTokenId: string,
          fileData: FileData,
          resume?: boolean,
          finalChunk?: boolean,
          resumeAt?: number,
        ): RequestBuilder<objects.UploadToken>;
        static get(uploadTokenId: string): RequestBuilder<objects.UploadToken>;
        static listAction(filter?: objects.UploadTokenFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.UploadToken>>;
        static deleteAction(uploadTokenId: string): RequestBuilder<null>;
      }

      class media {
        static add(entry: objects.MediaEntry): RequestBuilder<objects.MediaEntry>;
        static addContent(entryId: string, resource?: objects.Resource | null): RequestBuilder<objects.MediaEntry>;
        static addFromUploadedFile(mediaEntry: objects.MediaEntry, uploadTokenId: string): RequestBuilder<objects.MediaEntry>;
        static get(entryId: string, version?: number): RequestBuilder<objects.MediaEntry>;
        static listAction(filter?: objects.MediaEntryFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.MediaEntry>>;
        static update(entryId: string, mediaEntry: objects.MediaEntry): RequestBuilder<objects.MediaEntry>;
        static deleteAction(entryId: string): RequestBuilder<null>;
      }

      class baseEntry {
        static add(entry: objects.BaseEntry, type?: string | null): RequestBuilder<objects.MediaEntry>;
        static addContent(entryId: string, resource: objects.Resource): RequestBuilder<objects.MediaEntry>;
        static addFromUploadedFile(entry: objects.BaseEntry, uploadTokenId: string, type?: string | null): RequestBuilder<objects.MediaEntry>;
        static get(entryId: string, version?: number): RequestBuilder<objects.MediaEntry>;
        /** Without a status filter only READY entries are listed. */
        static listAction(filter?: objects.BaseEntryFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.MediaEntry>>;
        static update(entryId: string, baseEntry: objects.BaseEntry): RequestBuilder<objects.MediaEntry>;
        static deleteAction(entryId: string): RequestBuilder<null>;
      }

      class category {
        static add(category: objects.Category): RequestBuilder<objects.Category>;
        static get(id: number): RequestBuilder<objects.Category>;
        static listAction(filter?: objects.CategoryFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.Category>>;
      }

      class categoryEntry {
        static add(categoryEntry: objects.CategoryEntry): RequestBuilder<objects.CategoryEntry>;
        static listAction(filter?: objects.CategoryEntryFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.CategoryEntry>>;
        static deleteAction(entryId: string, categoryId: number): RequestBuilder<null>;
      }

      class user {
        static add(user: objects.User): RequestBuilder<objects.User>;
        static get(userId?: string | null): RequestBuilder<objects.User>;
        static listAction(filter?: objects.UserFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.User>>;
        static update(userId: string, user: objects.User): RequestBuilder<objects.User>;
        static deleteAction(userId: string): RequestBuilder<null>;
      }

      class groupUser {
        static add(groupUser: objects.GroupUser): RequestBuilder<objects.GroupUser>;
        static listAction(filter?: objects.GroupUserFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.GroupUser>>;
        static deleteAction(userId: string, groupId: string): RequestBuilder<null>;
      }

      /** The caption plugin's service, `caption_captionasset` on the wire. */
      class captionAsset {
        static add(entryId: string, captionAsset: objects.CaptionAsset): RequestBuilder<objects.CaptionAsset>;
        static setContent(id: string, contentResource: objects.ContentResource): RequestBuilder<objects.CaptionAsset>;
        static get(captionAssetId: string): RequestBuilder<objects.CaptionAsset>;
        static listAction(filter?: objects.CaptionAssetFilter | null, pager?: objects.FilterPager | null): RequestBuilder<ListResponse<objects.CaptionAsset>>;
        static update(id: string, captionAsset: objects.CaptionAsset): RequestBuilder<objects.CaptionAsset>;
        static deleteAction(captionAssetId: string): RequestBuilder<null>;
        static setAsDefault(captionAssetId: string): RequestBuilder<null>;
        /** Resolves with a download URL string. */
        static getUrl(id: string, storageId?: number | null): RequestBuilder<string>;
      }
    }

    namespace objects {
      /** Every object; the constructor copies the given fields and sets `objectType`. */
      class BaseObject {
        objectType?: string;
      }

      class FilterPager extends BaseObject {
        constructor(init?: Partial<FilterPager> | null);
        /** default 30, at most 500 */
        pageSize?: number;
        /** 1-based */
        pageIndex?: number;
      }

      class SessionInfo extends BaseObject {
        constructor(init?: Partial<SessionInfo> | null);
        ks?: string;
        sessionType?: number | string;
        partnerId?: number;
        userId?: string;
        /** absolute unix seconds */
        expiry?: number;
        privileges?: string;
      }

      class StartWidgetSessionResponse extends BaseObject {
        constructor(init?: Partial<StartWidgetSessionResponse> | null);
        partnerId?: number;
        ks?: string;
        userId?: string | number;
      }

      class AppToken extends BaseObject {
        constructor(init?: Partial<AppToken> | null);
        id?: string;
        token?: string;
        partnerId?: number;
        createdAt?: number;
        updatedAt?: number;
        status?: number | string;
        expiry?: number;
        sessionType?: number | string;
        sessionUserId?: string;
        sessionDuration?: number;
        sessionPrivileges?: string;
        hashType?: string;
        description?: string;
      }

      class AppTokenFilter extends BaseObject {
        constructor(init?: Partial<AppTokenFilter> | null);
        idEqual?: string;
        idIn?: string;
        statusEqual?: number;
        statusIn?: string;
        orderBy?: string;
      }

      class UploadToken extends BaseObject {
        constructor(init?: Partial<UploadToken> | null);
        id?: string;
        partnerId?: number;
        userId?: string;
        status?: number | string;
        /** set it on add, or the server takes the multipart filename ("chunk" for a Buffer) */
        fileName?: string;
        fileSize?: number;
        uploadedFileSize?: number;
        createdAt?: number;
        updatedAt?: number;
        uploadUrl?: string;
        autoFinalize?: number;
        attachedObjectType?: string;
        attachedObjectId?: string;
      }

      class UploadTokenFilter extends BaseObject {
        constructor(init?: Partial<UploadTokenFilter> | null);
        idEqual?: string;
        idIn?: string;
        userIdEqual?: string;
        statusEqual?: number;
        statusIn?: string;
        fileNameEqual?: string;
        fileSizeEqual?: number;
        orderBy?: string;
      }

      class Resource extends BaseObject {}
      class ContentResource extends Resource {}

      class UploadedFileTokenResource extends ContentResource {
        constructor(init?: Partial<UploadedFileTokenResource> | null);
        token?: string;
      }

      class StringResource extends ContentResource {
        constructor(init?: Partial<StringResource> | null);
        content?: string;
      }

      class UrlResource extends ContentResource {
        constructor(init?: Partial<UrlResource> | null);
        url?: string;
        forceAsyncDownload?: boolean;
        urlHeaders?: unknown[];
        shouldRedirect?: boolean;
      }

      class BaseEntry extends BaseObject {
        constructor(init?: Partial<MediaEntry> | null);
        id?: string;
        name?: string;
        description?: string;
        partnerId?: number;
        /** owner; unknown ids are created as users */
        userId?: string;
        creatorId?: string;
        tags?: string;
        adminTags?: string;
        /** comma-separated full names (deprecated field; prefer categoryEntry.add) */
        categories?: string;
        categoriesIds?: string;
        status?: number | string;
        moderationStatus?: number | string;
        moderationCount?: number;
        type?: number | string;
        createdAt?: number;
        updatedAt?: number;
        rank?: number;
        totalRank?: number;
        votes?: number;
        groupId?: number;
        partnerData?: string;
        downloadUrl?: string;
        searchText?: string;
        licenseType?: number;
        version?: number;
        thumbnailUrl?: string;
        accessControlId?: number;
        startDate?: number;
        endDate?: number;
        /** at least 2 characters; not unique on the server */
        referenceId?: string;
        replacingEntryId?: string;
        replacedEntryId?: string;
        replacementStatus?: number | string;
        partnerSortValue?: number;
        conversionProfileId?: number;
        redirectEntryId?: string;
        rootEntryId?: string;
        parentEntryId?: string;
        /** comma-separated user ids (co-editors); unknown ids are created, deleted users dropped */
        entitledUsersEdit?: string;
        /** co-publishers */
        entitledUsersPublish?: string;
        /** co-viewers */
        entitledUsersView?: string;
        capabilities?: string;
        templateEntryId?: string;
        displayInSearch?: number | string;
        application?: string;
        applicationVersion?: string;
        blockAutoTranscript?: boolean;
      }

      class PlayableEntry extends BaseEntry {
        constructor(init?: Partial<MediaEntry> | null);
        plays?: number;
        views?: number;
        lastPlayedAt?: number;
        width?: number;
        height?: number;
        /** seconds */
        duration?: number;
        msDuration?: number;
        durationType?: string;
      }

      class MediaEntry extends PlayableEntry {
        constructor(init?: Partial<MediaEntry> | null);
        /** required on add: VIDEO 1, IMAGE 2, AUDIO 5 */
        mediaType?: number;
        conversionQuality?: string;
        sourceType?: string;
        searchProviderType?: number;
        searchProviderId?: string;
        creditUserName?: string;
        creditUrl?: string;
        mediaDate?: number;
        dataUrl?: string;
        flavorParamsIds?: string;
        isTrimDisabled?: number;
      }

      class BaseEntryFilter extends BaseObject {
        constructor(init?: Partial<MediaEntryFilter> | null);
        orderBy?: string;
        freeText?: string;
        idEqual?: string;
        idIn?: string;
        idNotIn?: string;
        nameLike?: string;
        nameEqual?: string;
        nameMultiLikeOr?: string;
        nameMultiLikeAnd?: string;
        descriptionLike?: string;
        partnerIdEqual?: number;
        userIdEqual?: string;
        userIdIn?: string;
        userIdNotIn?: string;
        creatorIdEqual?: string;
        tagsLike?: string;
        tagsMultiLikeOr?: string;
        tagsMultiLikeAnd?: string;
        adminTagsLike?: string;
        adminTagsMultiLikeOr?: string;
        adminTagsMultiLikeAnd?: string;
        categoriesMatchAnd?: string;
        categoriesMatchOr?: string;
        categoriesFullNameIn?: string;
        categoriesIdsMatchAnd?: string;
        categoriesIdsMatchOr?: string;
        /** with no status filter the server adds statusEqual=READY */
        statusEqual?: string | number;
        statusNotEqual?: string | number;
        statusIn?: string;
        statusNotIn?: string;
        moderationStatusEqual?: number;
        moderationStatusNotEqual?: number;
        moderationStatusIn?: string;
        moderationStatusNotIn?: string;
        typeEqual?: string;
        typeIn?: string;
        createdAtGreaterThanOrEqual?: number;
        createdAtLessThanOrEqual?: number;
        updatedAtGreaterThanOrEqual?: number;
        updatedAtLessThanOrEqual?: number;
        referenceIdEqual?: string;
        referenceIdIn?: string;
        entitledUsersEditMatchAnd?: string;
        entitledUsersEditMatchOr?: string;
        entitledUsersPublishMatchAnd?: string;
        entitledUsersPublishMatchOr?: string;
        entitledUsersViewMatchAnd?: string;
        entitledUsersViewMatchOr?: string;
      }

      class MediaEntryFilter extends BaseEntryFilter {
        constructor(init?: Partial<MediaEntryFilter> | null);
        mediaTypeEqual?: number;
        mediaTypeIn?: string;
        durationLessThan?: number;
        durationGreaterThan?: number;
      }

      class Category extends BaseObject {
        constructor(init?: Partial<Category> | null);
        id?: number;
        parentId?: number;
        depth?: number;
        partnerId?: number;
        name?: string;
        /** ">"-separated path */
        fullName?: string;
        fullIds?: string;
        entriesCount?: number;
        createdAt?: number;
        updatedAt?: number;
        description?: string;
        tags?: string;
        appearInList?: number;
        privacy?: number;
        inheritanceType?: number;
        userJoinPolicy?: number;
        defaultPermissionLevel?: number;
        owner?: string;
        directEntriesCount?: number;
        referenceId?: string;
        contributionPolicy?: number;
        membersCount?: number;
        pendingMembersCount?: number;
        privacyContext?: string;
        privacyContexts?: string;
        status?: number | string;
        partnerSortValue?: number;
        partnerData?: string;
        defaultOrderBy?: string;
        directSubCategoriesCount?: number;
        moderation?: number;
        pendingEntriesCount?: number;
        isAggregationCategory?: boolean;
        adminTags?: string;
      }

      class CategoryFilter extends BaseObject {
        constructor(init?: Partial<CategoryFilter> | null);
        orderBy?: string;
        idEqual?: number;
        idIn?: string;
        idNotIn?: string;
        parentIdEqual?: number;
        parentIdIn?: string;
        depthEqual?: number;
        fullNameEqual?: string;
        fullNameStartsWith?: string;
        fullNameIn?: string;
        fullNameStartsWithIn?: string;
        fullIdsEqual?: string;
        fullIdsStartsWith?: string;
        nameOrReferenceIdStartsWith?: string;
        referenceIdEqual?: string;
        privacyContextEqual?: string;
        statusEqual?: number;
        statusIn?: string;
      }

      class CategoryEntry extends BaseObject {
        constructor(init?: Partial<CategoryEntry> | null);
        categoryId?: number;
        entryId?: string;
        createdAt?: number;
        categoryFullIds?: string;
        /** PENDING 1 (moderated category), ACTIVE 2 */
        status?: number | string;
        creatorUserId?: string;
      }

      class CategoryEntryFilter extends BaseObject {
        constructor(init?: Partial<CategoryEntryFilter> | null);
        orderBy?: string;
        categoryIdEqual?: number;
        categoryIdIn?: string;
        entryIdEqual?: string;
        entryIdIn?: string;
        statusEqual?: number;
        statusIn?: string;
        creatorUserIdEqual?: string;
      }

      class User extends BaseObject {
        constructor(init?: Partial<User> | null);
        id?: string;
        partnerId?: number;
        /** USER 0, GROUP 1 */
        type?: number | string;
        screenName?: string;
        fullName?: string;
        email?: string;
        firstName?: string;
        lastName?: string;
        externalId?: string;
        isAdmin?: boolean;
        isGuest?: boolean;
        roleIds?: string;
        roleNames?: string;
        isAccountOwner?: boolean;
        loginEnabled?: boolean;
        title?: string;
        company?: string;
        description?: string;
        tags?: string;
        adminTags?: string;
        /** BLOCKED 0, ACTIVE 1, DELETED 2 */
        status?: number | string;
        createdAt?: number;
        updatedAt?: number;
        partnerData?: string;
        storageSize?: number;
        language?: string;
        lastLoginTime?: number;
        statusUpdatedAt?: number;
        deletedAt?: number;
      }

      /** There is no emailEqual: use emailStartsWith and compare case-insensitively yourself. */
      class UserFilter extends BaseObject {
        constructor(init?: Partial<UserFilter> | null);
        orderBy?: string;
        idEqual?: string;
        idIn?: string;
        idOrScreenNameStartsWith?: string;
        firstNameOrLastNameStartsWith?: string;
        firstNameStartsWith?: string;
        lastNameStartsWith?: string;
        screenNameLike?: string;
        screenNameStartsWith?: string;
        emailLike?: string;
        emailStartsWith?: string;
        tagsMultiLikeOr?: string;
        tagsMultiLikeAnd?: string;
        typeEqual?: number;
        typeIn?: string;
        statusEqual?: number;
        statusIn?: string;
        isAdminEqual?: number;
        loginEnabledEqual?: number;
        roleIdEqual?: string;
        roleIdsIn?: string;
        partnerIdEqual?: number;
        createdAtGreaterThanOrEqual?: number;
        createdAtLessThanOrEqual?: number;
      }

      class GroupUser extends BaseObject {
        constructor(init?: Partial<GroupUser> | null);
        id?: string;
        userId?: string;
        groupId?: string;
        status?: number | string;
        partnerId?: number;
        createdAt?: number;
        updatedAt?: number;
        creationMode?: number;
        userRole?: number;
        groupType?: number;
      }

      class GroupUserFilter extends BaseObject {
        constructor(init?: Partial<GroupUserFilter> | null);
        orderBy?: string;
        userIdEqual?: string;
        userIdIn?: string;
        groupIdEqual?: string;
        groupIdIn?: string;
        statusEqual?: number;
        statusIn?: string;
      }

      class CaptionAsset extends BaseObject {
        constructor(init?: Partial<CaptionAsset> | null);
        id?: string;
        entryId?: string;
        partnerId?: number;
        version?: number;
        size?: number;
        tags?: string;
        fileExt?: string;
        createdAt?: number;
        updatedAt?: number;
        description?: string;
        partnerData?: string;
        partnerDescription?: string;
        sizeInBytes?: number;
        captionParamsId?: number;
        /** a Language enum value, e.g. "English" */
        language?: string;
        languageCode?: string;
        /** NullableBoolean 0/1 */
        isDefault?: number;
        label?: string;
        /** CaptionType: SRT "1", DFXP "2", WEBVTT "3" */
        format?: string;
        source?: string;
        /** QUEUED 0, READY 2 */
        status?: number | string;
        parentId?: string;
        accuracy?: number;
        displayOnPlayer?: boolean;
        associatedTranscriptIds?: string;
        usage?: string;
      }

      class CaptionAssetFilter extends BaseObject {
        constructor(init?: Partial<CaptionAssetFilter> | null);
        orderBy?: string;
        idEqual?: string;
        idIn?: string;
        entryIdEqual?: string;
        entryIdIn?: string;
        formatEqual?: string;
        formatIn?: string;
        statusEqual?: number;
        statusIn?: string;
        statusNotIn?: string;
        captionParamsIdEqual?: number;
      }
    }

    namespace enums {
      /** string values on the client side; the server may send numbers */
      const EntryStatus: {
        readonly ERROR_IMPORTING: '-2';
        readonly ERROR_CONVERTING: '-1';
        readonly IMPORT: '0';
        readonly PRECONVERT: '1';
        readonly READY: '2';
        readonly DELETED: '3';
        readonly PENDING: '4';
        readonly MODERATE: '5';
        readonly BLOCKED: '6';
        readonly NO_CONTENT: '7';
      };
      const EntryType: { readonly AUTOMATIC: '-1'; readonly MEDIA_CLIP: '1' };
      const EntryModerationStatus: {
        readonly PENDING_MODERATION: 1;
        readonly APPROVED: 2;
        readonly REJECTED: 3;
        readonly DELETED: 4;
        readonly FLAGGED_FOR_REVIEW: 5;
        readonly AUTO_APPROVED: 6;
      };
      const MediaType: { readonly VIDEO: 1; readonly IMAGE: 2; readonly AUDIO: 5 };
      const SessionType: { readonly USER: 0; readonly ADMIN: 2 };
      const UploadTokenStatus: {
        readonly PENDING: 0;
        readonly PARTIAL_UPLOAD: 1;
        readonly FULL_UPLOAD: 2;
        readonly CLOSED: 3;
        readonly TIMED_OUT: 4;
        readonly DELETED: 5;
      };
      const CaptionType: { readonly SRT: '1'; readonly DFXP: '2'; readonly WEBVTT: '3'; readonly CAP: '4'; readonly SCC: '5' };
      const CaptionAssetStatus: {
        readonly ERROR: -1;
        readonly QUEUED: 0;
        readonly READY: 2;
        readonly DELETED: 3;
        readonly IMPORTING: 7;
        readonly EXPORTING: 9;
      };
      /** there is no TEAMS value */
      const CaptionSource: { readonly UNKNOWN: '0'; readonly ZOOM: '1'; readonly WEBEX: '2' };
      const CategoryEntryStatus: { readonly PENDING: 1; readonly ACTIVE: 2; readonly DELETED: 3; readonly REJECTED: 4 };
      const UserStatus: { readonly BLOCKED: 0; readonly ACTIVE: 1; readonly DELETED: 2 };
      const UserType: { readonly USER: 0; readonly GROUP: 1; readonly APPLICATIVE_GROUP: 2 };
      const AppTokenHashType: { readonly MD5: 'MD5'; readonly SHA1: 'SHA1'; readonly SHA256: 'SHA256'; readonly SHA512: 'SHA512' };
      const AppTokenStatus: { readonly DISABLED: 1; readonly ACTIVE: 2; readonly DELETED: 3 };
      const NullableBoolean: { readonly NULL_VALUE: -1; readonly FALSE_VALUE: 0; readonly TRUE_VALUE: 1 };
      const GroupUserStatus: { readonly ACTIVE: 0; readonly DELETED: 1 };
      /** e.g. EN: "English" (573 values) */
      const Language: { readonly EN: 'English' } & Readonly<Record<string, string>>;
      /** e.g. EN: "en" */
      const LanguageCode: { readonly EN: 'en' } & Readonly<Record<string, string>>;
      const BaseEntryOrderBy: {
        readonly CREATED_AT_ASC: '+createdAt';
        readonly CREATED_AT_DESC: '-createdAt';
        readonly UPDATED_AT_ASC: '+updatedAt';
        readonly UPDATED_AT_DESC: '-updatedAt';
        readonly NAME_ASC: '+name';
        readonly NAME_DESC: '-name';
      } & Readonly<Record<string, string>>;
    }
  }

  export = kaltura;
}
