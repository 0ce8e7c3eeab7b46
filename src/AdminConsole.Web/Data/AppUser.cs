using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;

namespace AdminConsole.Web.Data;

/// <summary>A person who signs in to the console. Its <see cref="IdentityUser.Id"/> is the Pusher presence user_id.</summary>
public class AppUser : IdentityUser
{
    [MaxLength(100)]
    public string DisplayName { get; set; } = "";

    public DateTime CreatedUtc { get; set; }
}
