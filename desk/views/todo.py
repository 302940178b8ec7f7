"""待我处理 (/desk/): what waits for the signed-in user, most urgent first (office.todo)."""

from django.shortcuts import render

from office import todo

from ..permissions import desk_view


@desk_view()
def dashboard(request):
    waiting = todo.for_user(request.user)
    request.desk_todo = waiting  # the navigation's badges show the same numbers
    return render(request, "desk/todo.html", {"todo": waiting})
