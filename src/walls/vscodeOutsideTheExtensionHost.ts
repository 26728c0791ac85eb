// What `vscode` resolves to in the rooms of src/ outside the extension host (see tsconfig.rooms.json):
// a file outside every room, so that importing `vscode` there fails with "is not listed within the
// file list of project". Nothing imports it on purpose.
export {};
