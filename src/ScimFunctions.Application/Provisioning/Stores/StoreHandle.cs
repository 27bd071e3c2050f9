namespace ScimFunctions.Application.Provisioning.Stores;

/// <summary>
/// What a store keeps of something it read, to write it again under the version it read (for Table Storage: the row
/// and its ETag). The use cases hand it back to the store and never look inside.
/// </summary>
internal abstract class StoreHandle;
