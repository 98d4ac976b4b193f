using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Connect : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AttributionPolicies",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    EffectiveFrom = table.Column<long>(type: "INTEGER", nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ProtectionDays = table.Column<int>(type: "INTEGER", nullable: false),
                    Precedence = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AllowSelfReferral = table.Column<bool>(type: "INTEGER", nullable: false),
                    ManualTransfersPer90Days = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttributionPolicies", x => new { x.TenantId, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "Customers",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PhoneHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PhoneCipher = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    PhoneMasked = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    UnionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ExternalUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Gender = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Birthday = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    HomeStoreId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OwnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OwnedSince = table.Column<long>(type: "INTEGER", nullable: true),
                    ProtectedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    ConsentText = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ConsentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Customers", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_Customers_Stores_TenantId_HomeStoreId",
                        columns: x => new { x.TenantId, x.HomeStoreId },
                        principalTable: "Stores",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Partners",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Organization = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    PhoneHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PhoneMasked = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    HomeStoreId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    WeChatOpenId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RealName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ApprovedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Partners", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_Partners_Stores_TenantId_HomeStoreId",
                        columns: x => new { x.TenantId, x.HomeStoreId },
                        principalTable: "Stores",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ReferralCodes",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    OwnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Campaign = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DisabledAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReferralCodes", x => new { x.TenantId, x.Code });
                });

            migrationBuilder.CreateTable(
                name: "TagGroups",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    SingleChoice = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TagGroups", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "AttributionDecisions",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TouchId = table.Column<Guid>(type: "TEXT", nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PreviousOwnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    PreviousOwnerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    NewOwnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    NewOwnerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ClaimantKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    ClaimantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Changed = table.Column<bool>(type: "INTEGER", nullable: false),
                    PolicyVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ProtectedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttributionDecisions", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_AttributionDecisions_Customers_TenantId_CustomerId",
                        columns: x => new { x.TenantId, x.CustomerId },
                        principalTable: "Customers",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Touches",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ToucherKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    ToucherId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Code = table.Column<string>(type: "TEXT", maxLength: 30, nullable: true),
                    Campaign = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    StoreId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OccurredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EnteredBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Ip = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    UserAgent = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Touches", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_Touches_Customers_TenantId_CustomerId",
                        columns: x => new { x.TenantId, x.CustomerId },
                        principalTable: "Customers",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Tags",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    GroupId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Tags", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_Tags_TagGroups_TenantId_GroupId",
                        columns: x => new { x.TenantId, x.GroupId },
                        principalTable: "TagGroups",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CustomerTags",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TagId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TaggedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CustomerTags", x => new { x.TenantId, x.CustomerId, x.TagId });
                    table.ForeignKey(
                        name: "FK_CustomerTags_Customers_TenantId_CustomerId",
                        columns: x => new { x.TenantId, x.CustomerId },
                        principalTable: "Customers",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CustomerTags_Tags_TenantId_TagId",
                        columns: x => new { x.TenantId, x.TagId },
                        principalTable: "Tags",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AttributionDecisions_TenantId_CustomerId_DecidedAt",
                table: "AttributionDecisions",
                columns: new[] { "TenantId", "CustomerId", "DecidedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_ExternalUserId",
                table: "Customers",
                columns: new[] { "TenantId", "ExternalUserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_HomeStoreId_OwnerId",
                table: "Customers",
                columns: new[] { "TenantId", "HomeStoreId", "OwnerId" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_OwnerId",
                table: "Customers",
                columns: new[] { "TenantId", "OwnerId" });

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_PhoneHash",
                table: "Customers",
                columns: new[] { "TenantId", "PhoneHash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Customers_TenantId_UnionId",
                table: "Customers",
                columns: new[] { "TenantId", "UnionId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CustomerTags_TenantId_TagId",
                table: "CustomerTags",
                columns: new[] { "TenantId", "TagId" });

            migrationBuilder.CreateIndex(
                name: "IX_Partners_TenantId_HomeStoreId",
                table: "Partners",
                columns: new[] { "TenantId", "HomeStoreId" });

            migrationBuilder.CreateIndex(
                name: "IX_Partners_TenantId_PhoneHash",
                table: "Partners",
                columns: new[] { "TenantId", "PhoneHash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReferralCodes_Code",
                table: "ReferralCodes",
                column: "Code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReferralCodes_TenantId_OwnerId",
                table: "ReferralCodes",
                columns: new[] { "TenantId", "OwnerId" });

            migrationBuilder.CreateIndex(
                name: "IX_TagGroups_TenantId_Name",
                table: "TagGroups",
                columns: new[] { "TenantId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Tags_TenantId_GroupId_Name",
                table: "Tags",
                columns: new[] { "TenantId", "GroupId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Touches_TenantId_CustomerId_OccurredAt",
                table: "Touches",
                columns: new[] { "TenantId", "CustomerId", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Touches_TenantId_OccurredAt",
                table: "Touches",
                columns: new[] { "TenantId", "OccurredAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AttributionDecisions");

            migrationBuilder.DropTable(
                name: "AttributionPolicies");

            migrationBuilder.DropTable(
                name: "CustomerTags");

            migrationBuilder.DropTable(
                name: "Partners");

            migrationBuilder.DropTable(
                name: "ReferralCodes");

            migrationBuilder.DropTable(
                name: "Touches");

            migrationBuilder.DropTable(
                name: "Tags");

            migrationBuilder.DropTable(
                name: "Customers");

            migrationBuilder.DropTable(
                name: "TagGroups");
        }
    }
}
