from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors
from .services import lecturer_like


@login_required
@require_POST
def lecturer_like_view(request, lecturer_id):
    lecturer = selectors.lecturer_detail_for_user(request.user, lecturer_id)
    likes = lecturer_like(actor=request.user, lecturer=lecturer)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "lecturers/_like.html",
            {
                "lecturer": lecturer,
                "likes": likes,
                "liked": True,
                "is_own": lecturer.user_id == request.user.pk,
            },
        )
    return redirect("lecturer_detail", lecturer_id=lecturer.pk)
